import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { WebhookEventType } from '../gql/graphql'
import { formatDateTime } from '../i18n'
import { useSession } from '../session'
import { FieldError, Status } from '../ui'

const WebhooksDocument = graphql(`
  query Webhooks {
    webhookEndpoints(first: 50) {
      edges { node {
        id url description eventTypes active disabledReason consecutiveFailures createdAt
        partner { id name }
        deliveries(first: 10) { totalCount edges { node { id eventType occurredAt status attemptCount lastStatusCode lastError } } }
      } }
    }
  }
`)

const CreateWebhookDocument = graphql(`
  mutation CreateWebhook($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { endpoint { id url } secret userErrors { field code message } }
  }
`)

const UpdateWebhookDocument = graphql(`
  mutation UpdateWebhook($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) { endpoint { id active disabledReason } userErrors { field code message } }
  }
`)

const eventTypes: WebhookEventType[] = ['APPLICATION_CREATED', 'APPLICATION_STATUS_CHANGED', 'INTERNSHIP_OPENED', 'INTERNSHIP_CLOSED',
  'SHORTLIST_SAVED', 'STUDENT_CONSENT_WITHDRAWN']

/** Webhook endpoints: register one (its secret shown once), pause or enable it, and read its delivery log. */
export function WebhooksPage() {
  const { t } = useTranslation()
  const [res, refetch] = useQuery({ query: WebhooksDocument })
  const [created, create] = useMutation(CreateWebhookDocument)
  const [, update] = useMutation(UpdateWebhookDocument)
  const [types, setTypes] = useState<WebhookEventType[]>(['APPLICATION_CREATED', 'APPLICATION_STATUS_CHANGED'])
  const errors = created.data?.createWebhookEndpoint.userErrors
  return (
    <section aria-labelledby="hooks-h">
      <h1 id="hooks-h">{t('webhooks.title')}</h1>
      <p className="help">{t('webhooks.help')}</p>
      <form className="card" onSubmit={async (e) => {
        e.preventDefault()
        const f = new FormData(e.currentTarget)
        await create({ input: { url: String(f.get('url') ?? ''), description: String(f.get('description') ?? ''), eventTypes: types } })
        refetch({ requestPolicy: 'network-only' })
      }}>
        <div className="field">
          <label htmlFor="f-url">{t('webhooks.url')}</label>
          <input id="f-url" name="url" type="url" placeholder="https://hr.example.com/crucible" required aria-describedby="err-url" />
          <FieldError errors={errors} field="url" />
        </div>
        <div className="field">
          <label htmlFor="f-description">{t('webhooks.description')}</label>
          <input id="f-description" name="description" />
        </div>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          {eventTypes.map((et) => (
            <label key={et} className="check">
              <input type="checkbox" checked={types.includes(et)} data-event={et}
                onChange={(e) => setTypes((ts) => (e.target.checked ? [...ts, et] : ts.filter((x) => x !== et)))} />
              {t(`webhooks.event.${et}`)}
            </label>
          ))}
          <FieldError errors={errors} field="eventTypes" />
        </fieldset>
        <button type="submit" data-testid="add-webhook">{t('webhooks.add')}</button>
        {created.data?.createWebhookEndpoint.secret && (
          <p role="status" data-testid="webhook-secret">{t('webhooks.secret')} <code>{created.data.createWebhookEndpoint.secret}</code></p>
        )}
        {created.error && <Status error={created.error} />}
      </form>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {res.data?.webhookEndpoints.edges.map(({ node: h }) => (
        <article key={h.id} className="card" data-testid="webhook">
          <h2><code>{h.url}</code></h2>
          <p className="muted">
            {h.description && <>{h.description} · </>}
            {h.partner ? h.partner.name : t('webhooks.office')} · {h.eventTypes.map((et) => t(`webhooks.event.${et}`)).join(', ')}
          </p>
          <p>
            {h.active ? t('webhooks.active') : <span className="error">{t('webhooks.off', { reason: h.disabledReason })}</span>}{' '}
            <button type="button" onClick={async () => {
              await update({ input: { id: h.id, active: !h.active } })
              refetch({ requestPolicy: 'network-only' })
            }}>{h.active ? t('webhooks.pause') : t('webhooks.enable')}</button>
          </p>
          <table>
            <caption>{t('webhooks.log', { count: h.deliveries.totalCount })}</caption>
            <thead><tr><th>{t('webhooks.when')}</th><th>{t('webhooks.type')}</th><th>{t('webhooks.status')}</th><th>{t('webhooks.attempts')}</th><th>{t('webhooks.last')}</th></tr></thead>
            <tbody>
              {h.deliveries.edges.map(({ node: d }) => (
                <tr key={d.id}>
                  <td>{formatDateTime(d.occurredAt)}</td><td>{t(`webhooks.event.${d.eventType}`)}</td><td>{t(`webhooks.delivery.${d.status}`)}</td>
                  <td>{d.attemptCount}</td><td>{d.lastStatusCode ?? '—'} {d.lastError}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  )
}

const ErasureRequestsDocument = graphql(`
  query ErasureRequests {
    erasureRequests(first: 100) {
      edges { node { id subjectId status reason requestedBy requestedAt decidedBy decidedAt decisionNote } }
    }
  }
`)

const DecideErasureDocument = graphql(`
  mutation DecideErasure($input: DecideErasureInput!) {
    decideErasure(input: $input) { request { id status } userErrors { field code message } }
  }
`)

/** The career office's erasure requests: erase the person, or decline with a note. */
export function RequestsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [res, refetch] = useQuery({ query: ErasureRequestsDocument })
  const [decided, decide] = useMutation(DecideErasureDocument)
  const [note, setNote] = useState('')
  return (
    <section aria-labelledby="requests-h">
      <h1 id="requests-h">{t('requests.title')}</h1>
      <p className="help">{t('requests.help')}</p>
      <Status fetching={res.fetching && !res.data} error={res.error ?? decided.error} />
      <label>{t('requests.note')} <input value={note} onChange={(e) => setNote(e.target.value)} /></label>
      <table data-testid="requests">
        <thead><tr><th>{t('requests.when')}</th><th>{t('requests.who')}</th><th>{t('requests.reason')}</th><th>{t('requests.status')}</th><th></th></tr></thead>
        <tbody>
          {res.data?.erasureRequests.edges.map(({ node: r }) => (
            <tr key={r.id} data-status={r.status}>
              <td>{formatDateTime(r.requestedAt)}</td><td>{r.requestedBy}</td><td>{r.reason || '—'}</td>
              <td>{t(`requests.${r.status}`)}{r.decidedBy && <> · {r.decidedBy} {r.decisionNote}</>}</td>
              <td>{r.status === 'PENDING' && (viewer?.role === 'ADMIN' || viewer?.role === 'CAREER_OFFICER') && <>
                <button type="button" data-testid="erase" onClick={async () => {
                  if (!window.confirm(t('requests.confirm'))) return
                  await decide({ input: { id: r.id, approve: true, note } })
                  refetch({ requestPolicy: 'network-only' })
                }}>{t('requests.erase')}</button>{' '}
                <button type="button" onClick={async () => {
                  await decide({ input: { id: r.id, approve: false, note } })
                  refetch({ requestPolicy: 'network-only' })
                }}>{t('requests.decline')}</button>
              </>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
