import { Link, useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useQuery } from 'urql'
import { graphql } from '../gql'
import type { StudentFacetField, StudentFilter, StudentSearchSort } from '../gql/graphql'
import { formatNumber } from '../i18n'
import { Fragment, Pager, Status, useCursors } from '../ui'
import { AlertMe } from './alerts'

const SearchDocument = graphql(`
  query SearchStudents($query: String, $filter: StudentFilter, $sort: StudentSearchSort, $direction: OrderDirection, $first: Int!, $after: String) {
    searchStudents(query: $query, filter: $filter, facets: [MAJOR, GRADUATION_YEAR, SKILL, CITY],
                   sort: $sort, direction: $direction, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      facets { field buckets { value count } }
      edges { node { score highlights { field fragments } student { id name major graduationYear gpa skills { skill level } } } }
    }
  }
`)

// Facet field -> the URL parameter that filters by it.
const facetParam: Record<StudentFacetField, string> = { MAJOR: 'major', GRADUATION_YEAR: 'year', SKILL: 'skill', CITY: 'city' }

/** The search's state lives in the URL, so it can be shared and reloaded. */
export function SearchPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const cursors = useCursors()
  const q = params.get('q') ?? ''
  const sort = (params.get('sort') ?? 'RELEVANCE') as StudentSearchSort
  const filter: StudentFilter = {}
  if (params.get('major')) filter.majors = params.getAll('major')
  if (params.get('year')) { filter.graduationYearFrom = Number(params.get('year')); filter.graduationYearTo = Number(params.get('year')) }
  if (params.get('skill')) filter.skills = params.getAll('skill').map((skill) => ({ skill }))
  if (params.get('city')) filter.city = params.get('city')
  const [res] = useQuery({
    query: SearchDocument,
    variables: { query: q || null, filter, sort, direction: sort === 'NAME' ? 'ASC' : 'DESC', first: 20, after: cursors.after },
  })
  const update = (f: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(params); f(p); setParams(p); cursors.reset()
  }
  const conn = res.data?.searchStudents
  return (
    <section aria-labelledby="search-h">
      <h1 id="search-h">{t('search.title')}</h1>
      <form role="search" className="toolbar" onSubmit={(e) => {
        e.preventDefault()
        const v = (new FormData(e.currentTarget).get('q') as string).trim()
        update((p) => (v ? p.set('q', v) : p.delete('q')))
      }}>
        <label htmlFor="q" className="sr">{t('search.query')}</label>
        <input id="q" name="q" type="search" defaultValue={q} key={q} placeholder={t('search.placeholder')} />
        <button type="submit">{t('search.go')}</button>
        <label>{t('search.sort')}{' '}
          <select value={sort} onChange={(e) => update((p) => p.set('sort', e.target.value))}>
            {(['RELEVANCE', 'GPA', 'GRADUATION_YEAR', 'NAME'] as const).map((s) => <option key={s} value={s}>{t(`sort.${s}`)}</option>)}
          </select>
        </label>
      </form>
      <div className="active-filters">
        {Object.values(facetParam).flatMap((k) => params.getAll(k).map((v) => (
          <button type="button" key={k + v} className="chip on" aria-label={t('search.remove', { value: v })}
            onClick={() => update((p) => { const rest = p.getAll(k).filter((x) => x !== v); p.delete(k); rest.forEach((x) => p.append(k, x)) })}>
            {v} ✕
          </button>
        )))}
      </div>
      <AlertMe search={{ query: q || null, filter }} />
      <div className="search-layout">
        <aside aria-label={t('search.facets')} className="facets">
          {conn?.facets.map((f) => (
            <fieldset key={f.field}>
              <legend>{t(`facet.${f.field}`)}</legend>
              <ul>
                {f.buckets.slice(0, 8).map((b) => {
                  const k = facetParam[f.field]
                  const on = params.getAll(k).includes(b.value)
                  return (
                    <li key={b.value}>
                      <button type="button" className={on ? 'facet on' : 'facet'} aria-pressed={on} data-facet={f.field}
                        onClick={() => update((p) => { if (on) return; if (k === 'year' || k === 'city') p.set(k, b.value); else p.append(k, b.value) })}>
                        {b.value} <span className="count">{formatNumber(b.count)}</span>
                      </button>
                    </li>
                  )
                })}
              </ul>
            </fieldset>
          ))}
        </aside>
        <div className="results">
          <Status fetching={res.fetching && !res.data} error={res.error} />
          {conn && <p className="muted" role="status" data-testid="search-total">{t('search.total', { count: conn.totalCount })}</p>}
          <ol className="hits">
            {conn?.edges.map(({ node: h }) => (
              <li key={h.student.id}>
                <Link to={`/students/${encodeURIComponent(h.student.id)}`}>{h.student.name}</Link>{' '}
                <span className="muted">{h.student.major} · {h.student.graduationYear} · GPA {formatNumber(h.student.gpa, 2)}</span>
                <div className="skills">{h.student.skills.slice(0, 8).map((s) => <span key={s.skill} className="chip">{s.skill} {s.level}</span>)}</div>
                {h.highlights.map((hl) => hl.fragments.map((f, i) => <blockquote key={hl.field + i} className="fragment"><Fragment html={f} /></blockquote>))}
              </li>
            ))}
          </ol>
          {conn && <Pager hasNext={conn.pageInfo.hasNextPage} hasPrev={cursors.depth > 1} onNext={() => cursors.next(conn.pageInfo.endCursor)} onPrev={cursors.prev} />}
        </div>
      </div>
    </section>
  )
}
