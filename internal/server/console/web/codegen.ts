// Types and persisted documents from the server's schema: every graphql()
// document in src/ becomes a typed document and an entry of
// src/gql/persisted-documents.json (hash -> document), the set the server
// serves by hash (see ../README.md).
import type { CodegenConfig } from '@graphql-codegen/cli'
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset'

const config: CodegenConfig = {
  schema: '../../../../graph/schema/*.graphqls',
  documents: ['src/**/*.tsx', 'src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      // urql's document cache refetches a query when a mutation returns an
      // object of a type the query read; it learns the types from __typename,
      // which must therefore be in the persisted documents themselves.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        scalars: { Date: 'string', DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
}
export default config
