import { useState } from 'react'
import { useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { ApplicationStatus, PipelinePageQuery } from '../gql/graphql'
import { useSession } from '../session'
import { formatDateTime, partnerName } from '../i18n'
import { ExportButton, Status } from '../ui'

const PipelineDocument = graphql(`
  query PipelinePage($filter: ApplicationFilter) {
    internships(first: 100, orderBy: { field: TITLE }) {
      edges { node { id title partner { id name nameZh } } }
    }
    applications(filter: $filter, first: 100, orderBy: { field: UPDATED_AT, direction: DESC }) {
      totalCount
      edges { node { ...PipelineCard } }
    }
  }
  fragment PipelineCard on Application {
    id status nextStatuses updatedAt
    student { id name major }
    internship { id title partner { id name nameZh } }
    history { from to actor note at }
  }
`)

const TransitionDocument = graphql(`
  mutation TransitionApplication($input: TransitionApplicationInput!) {
    transitionApplication(input: $input) {
      application { ...PipelineCard }
      userErrors { field code message }
    }
  }
`)

const columns: ApplicationStatus[] = ['APPLIED', 'SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED', 'COMPLETED', 'HIRED', 'REJECTED', 'DECLINED', 'WITHDRAWN']

/** Applications by status, for one internship or the viewer's partner subtree. */
export function PipelinePage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [params, setParams] = useSearchParams()
  const internshipId = params.get('internship') ?? ''
  const filter = internshipId ? { internshipId } : viewer?.partner ? { partnerWithin: viewer.partner.id } : {}
  const [res] = useQuery({ query: PipelineDocument, variables: { filter } })
  const apps = res.data?.applications.edges.map((e) => e.node) ?? []
  return (
    <section aria-labelledby="pipeline-h">
      <h1 id="pipeline-h">{t('pipeline.title')}</h1>
      <div className="toolbar">
        <label>{t('shortlist.internship')}{' '}
          <select value={internshipId} data-testid="pipeline-internship"
            onChange={(e) => setParams(e.target.value ? { internship: e.target.value } : {})}>
            <option value="">{viewer?.partner ? t('pipeline.subtree', { name: partnerName(viewer.partner) }) : t('pipeline.all')}</option>
            {res.data?.internships.edges.map(({ node }) => <option key={node.id} value={node.id}>{node.title} — {partnerName(node.partner)}</option>)}
          </select>
        </label>
        {res.data && <span className="muted">{t('pipeline.count', { count: res.data.applications.totalCount })}</span>}
        <ExportButton list="APPLICATIONS" internshipId={internshipId || undefined} />
      </div>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      <div className="board">
        {columns.map((c) => {
          const inCol = apps.filter((a) => a.status === c)
          return (
            <section key={c} className="column" aria-label={t(`status.${c}`)} data-status={c}>
              <h2>{t(`status.${c}`)} <span className="count">{inCol.length}</span></h2>
              {inCol.map((a) => <Card key={a.id} a={a} />)}
            </section>
          )
        })}
      </div>
    </section>
  )
}

type App = PipelinePageQuery['applications']['edges'][number]['node']

function Card({ a }: { a: App }) {
  const { t } = useTranslation()
  const [to, setTo] = useState<ApplicationStatus | ''>('')
  const [note, setNote] = useState('')
  const [res, move] = useMutation(TransitionDocument)
  const id = a.id.replace(/[^a-zA-Z0-9]/g, '')
  return (
    <article className="card" data-application={a.id}>
      <h3>{a.student.name}</h3>
      <p className="muted">{a.internship.title} · {partnerName(a.internship.partner)}</p>
      {a.nextStatuses.length > 0 && (
        <form onSubmit={async (e) => {
          e.preventDefault()
          if (!to) return
          const r = await move({ input: { id: a.id, to, note } })
          if (r.data?.transitionApplication.application) { setTo(''); setNote('') }
        }}>
          <label htmlFor={`to-${id}`} className="sr">{t('pipeline.moveTo')}</label>
          <select id={`to-${id}`} value={to} onChange={(e) => setTo(e.target.value as ApplicationStatus)} data-testid="move-to">
            <option value="">{t('pipeline.moveTo')}…</option>
            {a.nextStatuses.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
          </select>
          <label htmlFor={`note-${id}`} className="sr">{t('pipeline.note')}</label>
          <input id={`note-${id}`} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('pipeline.note')} data-testid="move-note" />
          <button type="submit" disabled={!to || res.fetching}>{t('pipeline.move')}</button>
          {res.data?.transitionApplication.userErrors.map((u) => <span key={u.code} role="alert" className="field-error">{u.message}</span>)}
          {res.error && <Status error={res.error} />}
        </form>
      )}
      <details>
        <summary>{t('pipeline.history')} ({a.history.length})</summary>
        <ol className="history">
          {a.history.map((h, i) => (
            <li key={i}>{h.from ? t(`status.${h.from}`) : '∅'} → {t(`status.${h.to}`)} · {h.actor} · {formatDateTime(h.at)}{h.note ? ` — ${h.note}` : ''}</li>
          ))}
        </ol>
      </details>
    </article>
  )
}
