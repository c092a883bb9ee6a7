import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import { canWrite, useSession } from '../session'
import { formatDateTime, formatNumber, partnerName } from '../i18n'
import { ExportButton, FieldError, Fragment, Pager, Status, useCursors } from '../ui'
import { AlertMe } from './alerts'

// The open internships to pick from, on the page with and without a pick.
const PickerDocument = graphql(`
  query ShortlistPicker { ...OpenInternships }
  fragment OpenInternships on Query {
    internships(first: 100, filter: { statuses: [OPEN] }, orderBy: { field: TITLE }) {
      edges { node { id title city partner { id name nameZh } } }
    }
  }
`)

const ShortlistDocument = graphql(`
  query ShortlistPage($internshipId: ID!, $first: Int!, $after: String, $filter: ShortlistFilter) {
    ...OpenInternships
    node(id: $internshipId) {
      ... on Internship {
        id title city slots status
        partner { id name nameZh }
        requiredSkills { skill minLevel mustHave }
      }
    }
    shortlist(internshipId: $internshipId, first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...ShortlistEntryParts } }
    }
    shortlists(internshipId: $internshipId) { id name savedBy createdAt totalCount }
  }
  fragment ShortlistEntryParts on ShortlistEntry {
    rank score
    student { id name major graduationYear gpa preferredCities }
    breakdown { name value weight contribution }
    skillMatches { requirement studentSkill kind value }
    missingSkills
    highlights { field fragments }
  }
`)

const SaveDocument = graphql(`
  mutation SaveShortlist($input: SaveShortlistInput!) {
    saveShortlist(input: $input) { shortlist { id name totalCount } userErrors { field code message } }
  }
`)

const ApplyDocument = graphql(`
  mutation AddToPipeline($input: ApplyToInternshipInput!) {
    applyToInternship(input: $input) { application { id status } userErrors { field code message } }
  }
`)

const pageSize = 10

export function ShortlistPage() {
  const { t } = useTranslation()
  const { internshipId } = useParams()
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams()
  const minScore = params.get('minScore') ?? ''
  const city = params.get('city') ?? ''
  const cursors = useCursors()
  const filter = { minScore: minScore ? Number(minScore) : undefined, cities: city ? [city] : undefined }
  const [picker] = useQuery({ query: PickerDocument, pause: !!internshipId })
  const [res] = useQuery({
    query: ShortlistDocument, pause: !internshipId,
    variables: { internshipId: internshipId ?? '', first: pageSize, after: cursors.after, filter },
  })
  const internships = (internshipId ? res.data?.internships : picker.data?.internships)?.edges ?? []
  const internship = res.data?.node && 'title' in res.data.node ? res.data.node : null
  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params)
    if (v) p.set(k, v); else p.delete(k)
    setParams(p, { replace: true })
    cursors.reset()
  }
  return (
    <section aria-labelledby="shortlist-h">
      <h1 id="shortlist-h">{t('shortlist.title')}</h1>
      <div className="toolbar">
        <label>{t('shortlist.internship')}{' '}
          <select value={internshipId ?? ''} data-testid="internship-picker"
            onChange={(e) => { cursors.reset(); navigate(`/shortlist/${encodeURIComponent(e.target.value)}`) }}>
            <option value="">{t('shortlist.choose')}</option>
            {internships.map(({ node }) => (
              <option key={node.id} value={node.id}>{node.title} — {partnerName(node.partner)}{node.city ? ` (${node.city})` : ''}</option>
            ))}
          </select>
        </label>
        <label>{t('shortlist.minScore')}{' '}
          <input type="number" min="0" max="1" step="0.05" value={minScore} onChange={(e) => set('minScore', e.target.value)} style={{ width: '6em' }} />
        </label>
        <label>{t('shortlist.city')}{' '}
          <input value={city} onChange={(e) => set('city', e.target.value)} style={{ width: '8em' }} />
        </label>
      </div>
      {!internshipId && <><Status fetching={picker.fetching} error={picker.error} /><p>{t('shortlist.pick')}</p></>}
      {internshipId && (
        <>
          <Status fetching={res.fetching && !res.data} error={res.error} />
          {internship && res.data && (
            <>
              <h2>{internship.title} · {partnerName(internship.partner)}</h2>
              <p className="muted">
                {t('shortlist.requires')}: {internship.requiredSkills.map((r) => `${r.skill}${r.mustHave ? '*' : ''}`).join(', ') || '—'}
                {' · '}{t('shortlist.total', { count: res.data.shortlist.totalCount })}
                {' '}<ExportButton list="SHORTLIST" internshipId={internship.id} />
              </p>
              <ol className="entries" data-testid="shortlist">
                {res.data.shortlist.edges.map(({ node: e }) => (
                  <Entry key={e.student.id} e={e} internshipId={internship.id} />
                ))}
              </ol>
              <Pager hasNext={res.data.shortlist.pageInfo.hasNextPage} hasPrev={cursors.depth > 1}
                onNext={() => cursors.next(res.data?.shortlist.pageInfo.endCursor)} onPrev={cursors.prev} />
              <Saved internshipId={internship.id} filter={filter} saved={res.data.shortlists} />
              <AlertMe shortlist={{ internshipId: internship.id, minScore: filter.minScore ?? 0 }} />
            </>
          )}
        </>
      )}
    </section>
  )
}

type EntryData = NonNullable<import('../gql/graphql').ShortlistPageQuery['shortlist']['edges'][number]['node']>

function Entry({ e, internshipId }: { e: EntryData; internshipId: string }) {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [added, apply] = useMutation(ApplyDocument)
  const max = Math.max(...e.breakdown.map((b) => b.contribution), 0.0001)
  const result = added.data?.applyToInternship
  return (
    <li className="entry" data-student={e.student.id}>
      <div className="entry-head">
        <span className="rank">#{e.rank}</span>
        <Link to={`/students/${encodeURIComponent(e.student.id)}`} className="name">{e.student.name}</Link>
        <span className="muted">{e.student.major} · {e.student.graduationYear} · GPA {formatNumber(e.student.gpa, 2)}</span>
        <span className="score" title={t('shortlist.scoreHelp')}>{formatNumber(e.score, 3)}</span>
      </div>
      <table className="breakdown" aria-label={t('shortlist.breakdown')}>
        <tbody>
          {e.breakdown.map((b) => (
            <tr key={b.name}>
              <th scope="row">{t(`feature.${b.name}`, { defaultValue: b.name })}</th>
              <td className="bar-cell">
                <span className="bar" style={{ width: `${Math.round((b.contribution / max) * 100)}%` }} />
              </td>
              <td className="num">{formatNumber(b.value, 2)} × {formatNumber(b.weight, 2)} = {formatNumber(b.contribution, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="skills">
        {e.skillMatches.filter((m) => m.kind).map((m) => (
          <span key={m.requirement + m.studentSkill} className={`chip match ${m.kind}`} title={`${m.requirement} ← ${m.studentSkill} (${t(`kind.${m.kind}`, { defaultValue: m.kind })}, ${formatNumber(m.value, 2)})`}>
            ✓ {m.requirement}{m.studentSkill !== m.requirement ? ` ← ${m.studentSkill}` : ''} <small>{t(`kind.${m.kind}`, { defaultValue: m.kind })}</small>
          </span>
        ))}
        {e.missingSkills.map((s) => <span key={s} className="chip missing">✗ {s}</span>)}
      </p>
      {e.highlights.map((h) => h.fragments.map((f, i) => (
        <blockquote key={h.field + i} className="fragment"><Fragment html={f} /></blockquote>
      )))}
      {canWrite(viewer?.role, 'applyToInternship') && (
        <div>
          {result?.application ? <span role="status">{t('shortlist.added')}</span> : (
            <button type="button" disabled={added.fetching}
              onClick={() => apply({ input: { studentId: e.student.id, internshipId } })}>{t('shortlist.addToPipeline')}</button>
          )}
          {result?.userErrors.map((u) => <span key={u.code} role="alert" className="field-error">{u.message}</span>)}
        </div>
      )}
    </li>
  )
}

function Saved({ internshipId, filter, saved }: {
  internshipId: string
  filter: { minScore?: number; cities?: string[] }
  saved: { id: string; name: string; savedBy: string; createdAt: string; totalCount: number }[]
}) {
  const { t } = useTranslation()
  const [name, setName] = useState('')
  const [res, save] = useMutation(SaveDocument)
  const errors = res.data?.saveShortlist.userErrors
  return (
    <section aria-labelledby="saved-h" className="saved">
      <h2 id="saved-h">{t('shortlist.saved')}</h2>
      <form onSubmit={async (ev) => {
        ev.preventDefault()
        const r = await save({ input: { internshipId, name, size: 20, filter } }, { additionalTypenames: ['SavedShortlist'] })
        if (r.data?.saveShortlist.shortlist) setName('')
      }}>
        <label htmlFor="saved-name">{t('shortlist.saveName')}</label>{' '}
        <input id="saved-name" value={name} onChange={(e) => setName(e.target.value)} aria-describedby="err-name" />
        <button type="submit" disabled={res.fetching}>{t('shortlist.save')}</button>
        <FieldError errors={errors} field="name" />
        {res.error && <Status error={res.error} />}
      </form>
      <ul>
        {saved.map((s) => <li key={s.id}>{s.name} · {t('shortlist.total', { count: s.totalCount })} · {s.savedBy} · {formatDateTime(s.createdAt)}</li>)}
      </ul>
    </section>
  )
}
