// The GraphQL client: urql with documents sent by their persisted hash only
// (the server knows the console's documents; see ../codegen.ts), and the
// session's token as a bearer header.
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type CombinedError } from 'urql'
import { persistedExchange } from '@urql/exchange-persisted'
import type { DocumentNode } from 'graphql'
import { createClient as createWSClient } from 'graphql-ws'

const tokenKey = 'crucible.token'

export function getToken(): string | null {
  return sessionStorage.getItem(tokenKey)
}

export function setToken(t: string | null) {
  if (t) sessionStorage.setItem(tokenKey, t)
  else sessionStorage.removeItem(tokenKey)
}

export function makeClient(): Client {
  // Subscriptions (new notifications) over a WebSocket at /graphql in the
  // graphql-transport-ws protocol, the token in connection_init, opened
  // only when a page subscribes; the document by its hash, as for queries.
  const ws = createWSClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    lazy: true,
    retryAttempts: Infinity,
    connectionParams: () => {
      const t = getToken()
      return t ? { Authorization: `Bearer ${t}` } : {}
    },
  })
  return new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    exchanges: [
      cacheExchange,
      persistedExchange({
        enforcePersistedQueries: true,
        enableForMutation: true,
        enableForSubscriptions: true,
        generateHash: async (_query: string, document: DocumentNode) =>
          ((document as unknown as { __meta__: { hash: string } }).__meta__.hash).replace(/^sha256:/, ''),
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
    fetchOptions: () => {
      const t = getToken()
      const headers: Record<string, string> = {}
      if (t) headers.Authorization = `Bearer ${t}`
      return { headers }
    },
  })
}

/** The stable code of the first error, as the API documents them. */
export function errorCode(e?: CombinedError): string | undefined {
  const g = e?.graphQLErrors?.[0]
  return (g?.extensions?.code as string | undefined) ?? (e?.networkError ? 'NETWORK' : undefined)
}
