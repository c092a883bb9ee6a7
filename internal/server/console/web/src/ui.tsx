// Small pieces every page uses: loading and error states, field errors
// from userErrors, and paging.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useMutation, type CombinedError } from 'urql'
import { graphql } from './gql'
import type { CreateExportInput, ExportList } from './gql/graphql'

export function Status({ fetching, error }: { fetching?: boolean; error?: CombinedError | string }) {
  const { t } = useTranslation()
  if (error) {
    const code = typeof error === 'string' ? error
      : ((error.graphQLErrors?.[0]?.extensions?.code as string | undefined) ?? (error.networkError ? 'NETWORK' : 'INTERNAL'))
    const known = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'NETWORK', 'INTERNAL'].includes(code)
    return <p role="alert" className="error" data-code={code}>{t(`errors.${known ? code : 'INTERNAL'}`)}</p>
  }
  if (fetching) return <p role="status" className="loading">{t('loading')}</p>
  return null
}

export interface UserError { field?: readonly string[] | null; code: string; message: string }

/** The input field a userError is about: its path without the leading "input". */
export function errorField(e: UserError): string | undefined {
  const path = e.field?.[0] === 'input' ? e.field.slice(1) : e.field
  return path?.[0]
}

/** The userErrors about one input field. */
export function fieldErrors(errors: readonly UserError[] | undefined, field: string): UserError[] {
  return (errors ?? []).filter((e) => errorField(e) === field)
}

export function FieldError({ errors, field }: { errors?: readonly UserError[]; field: string }) {
  const mine = fieldErrors(errors, field)
  if (!mine.length) return null
  return <span className="field-error" id={`err-${field}`} role="alert" data-field={field}>{mine.map((e) => e.message).join('; ')}</span>
}

/**
 * A labelled input of a create or edit form, its userErrors beside it:
 * inputField(errors)(name, label, value, type?, extra attributes?).
 */
export function inputField(errors: readonly UserError[] | undefined) {
  return (name: string, label: string, value: string | number | null | undefined, type = 'text', extra: Record<string, string> = {}) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} type={type} defaultValue={value ?? ''} aria-describedby={`err-${name}`}
        aria-invalid={fieldErrors(errors, name).length > 0 || undefined} {...extra} />
      <FieldError errors={errors} field={name} />
    </div>
  )
}

export function Pager({ hasNext, hasPrev, onNext, onPrev }: { hasNext: boolean; hasPrev: boolean; onNext: () => void; onPrev: () => void }) {
  const { t } = useTranslation()
  return (
    <div className="pager">
      <button type="button" disabled={!hasPrev} onClick={onPrev}>{t('prev')}</button>
      <button type="button" disabled={!hasNext} onClick={onNext}>{t('next')}</button>
    </div>
  )
}

/** A cursor stack for forward paging with a way back. */
export function useCursors(): { after: string | null; next: (c: string | null | undefined) => void; prev: () => void; reset: () => void; depth: number } {
  const [stack, setStack] = useState<(string | null)[]>([null])
  return {
    after: stack[stack.length - 1],
    next: (c) => c && setStack((s) => [...s, c]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
    depth: stack.length,
  }
}

/** The highlight fragments come from the index with <mark> around hits and everything else escaped. */
export function Fragment({ html }: { html: string }) {
  // Only <mark> survives: anything else is shown as text.
  const parts = html.split(/(<mark>|<\/mark>)/)
  let on = false
  return (
    <>
      {parts.map((p, i) => {
        if (p === '<mark>') { on = true; return null }
        if (p === '</mark>') { on = false; return null }
        const text = p.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;|&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
        return on ? <mark key={i}>{text}</mark> : <span key={i}>{text}</span>
      })}
    </>
  )
}

const CreateExportDocument = graphql(`
  mutation CreateExport($input: CreateExportInput!) {
    createExport(input: $input) { url expiresAt userErrors { field code message } }
  }
`)

/** A button that makes a CSV export of a list and starts its download (the link works for 10 minutes). */
export function ExportButton({ list, internshipId, extra }: {
  list: ExportList; internshipId?: string
  /** More of createExport's input: a report's partner, period, dimension. */
  extra?: Omit<CreateExportInput, 'list' | 'internshipId'>
}) {
  const { t } = useTranslation()
  const [res, create] = useMutation(CreateExportDocument)
  const url = res.data?.createExport.url
  return (
    <span className="export">
      <button type="button" disabled={res.fetching} data-testid="export" onClick={async () => {
        const r = await create({ input: { ...extra, list, internshipId } })
        const u = r.data?.createExport.url
        if (u) window.location.assign(u)
      }}>{t('export.csv')}</button>
      {url && <> <a href={url} data-testid="export-link" download>{t('export.again')}</a></>}
      {res.error && <Status error={res.error} />}
    </span>
  )
}
