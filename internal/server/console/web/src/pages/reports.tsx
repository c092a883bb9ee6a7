import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useQuery } from 'urql'
import { graphql } from '../gql'
import type { PlacementDimension } from '../gql/graphql'
import { useSession } from '../session'
import { formatDate, formatNumber, partnerName } from '../i18n'
import { ExportButton, Status } from '../ui'

const ReportsDocument = graphql(`
  query ReportsPage($groupBy: PlacementDimension!, $partner: ID, $from: Date, $to: Date, $staff: Boolean!) {
    placementReport(filter: { partnerWithin: $partner, from: $from, to: $to }, groupBy: $groupBy) {
      partner { id name nameZh }
      suppressedBelow
      rows { ...PlacementRowParts }
      total { ...PlacementRowParts }
    }
    skillsGap(partnerWithin: $partner) {
      openInternships places eligibleStudents periods suppressedBelow
      skills {
        skill places mustHave demand supply coverage shortfall
        trend { period demand supply }
        courses {
          id code name nameZh
          feedbackSummary { count averageRating suppressed }
          feedback(first: 5) @include(if: $staff) { edges { node { id rating comment givenOn alumnus { id name } } } }
        }
      }
    }
    partners(first: 100, orderBy: { field: NAME }) { edges { node { id name nameZh } } }
  }
  fragment PlacementRowParts on PlacementRow {
    key label own
    stages { stage count suppressed conversion medianDays }
    hires { count suppressed }
    formerInternHires { count suppressed }
  }
`)

const dimensions: PlacementDimension[] = ['PARTNER', 'INTERNSHIP', 'MAJOR', 'GRADUATION_YEAR', 'PERIOD']

/** A count, or "<3" when it is withheld from the viewer. */
function figure(c: { count?: number | null; suppressed: boolean } | null | undefined, below: number): string {
  if (!c) return ''
  return c.suppressed ? `<${below}` : formatNumber(c.count)
}

/** The placement funnel and the skills gap of a partner's subtree: what the cooperation delivers and what it asks for. */
export function ReportsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const staff = viewer?.role === 'ADMIN' || viewer?.role === 'CAREER_OFFICER'
  const [groupBy, setGroupBy] = useState<PlacementDimension>('PARTNER')
  const [partner, setPartner] = useState<string>('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [res] = useQuery({
    query: ReportsDocument,
    variables: { groupBy, partner: partner || null, from: from || null, to: to || null, staff },
  })
  const d = res.data
  const funnel = d?.placementReport
  const gap = d?.skillsGap
  const below = funnel?.suppressedBelow || 3
  return (
    <section aria-labelledby="reports-h">
      <h1 id="reports-h">{t('reports.title')}</h1>
      <p className="help">{t('reports.help')}</p>
      <div className="filters">
        <label>{t('reports.partner')}{' '}
          <select value={partner} onChange={(e) => setPartner(e.target.value)} data-testid="report-partner">
            <option value="">{staff ? t('reports.everyone') : t('reports.mine')}</option>
            {d?.partners.edges.map(({ node: p }) => <option key={p.id} value={p.id}>{partnerName(p)}</option>)}
          </select>
        </label>{' '}
        <label>{t('reports.groupBy')}{' '}
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as PlacementDimension)} data-testid="report-group-by">
            {dimensions.map((g) => <option key={g} value={g}>{t(`reports.dimension.${g}`)}</option>)}
          </select>
        </label>{' '}
        <label>{t('reports.from')} <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>{' '}
        <label>{t('reports.to')} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
      </div>
      <Status fetching={res.fetching && !d} error={res.error} />
      {funnel && (
        <section aria-labelledby="funnel-h">
          <h2 id="funnel-h">{t('reports.funnel')}{funnel.partner && <> · {partnerName(funnel.partner)}</>}</h2>
          <p className="muted">{t('reports.funnelHelp')}</p>
          {funnel.suppressedBelow > 0 && <p className="muted" data-testid="suppressed">{t('reports.suppressed', { n: funnel.suppressedBelow })}</p>}
          <p><ExportButton list="PLACEMENTS" extra={{ partnerWithin: partner || null, groupBy, from: from || null, to: to || null }} /></p>
          <div className="table-wrap">
            <table className="list" data-testid="funnel">
              <thead><tr>
                <th scope="col">{t(`reports.dimension.${groupBy}`)}</th>
                {funnel.total.stages.map((s) => <th scope="col" key={s.stage}>{t(`status.${s.stage}`)}</th>)}
                <th scope="col">{t('reports.hires')}</th><th scope="col">{t('reports.formerInterns')}</th>
              </tr></thead>
              <tbody>
                {[...funnel.rows, funnel.total].map((r, i) => (
                  <tr key={r.key || 'total'} data-key={r.key} className={i === funnel.rows.length ? 'total' : undefined}>
                    <th scope="row">{i === funnel.rows.length ? t('reports.total') : r.own ? t('reports.own', { name: r.label.replace(/ \(own\)$/, '') }) : r.label}</th>
                    {r.stages.map((s) => (
                      <td key={s.stage} className="num" data-stage={s.stage}>
                        {figure(s, below)}
                        {(s.conversion != null || s.medianDays != null) && (
                          <div className="muted">
                            {s.conversion != null && `${formatNumber(s.conversion * 100)}%`}
                            {s.conversion != null && s.medianDays != null && ' · '}
                            {s.medianDays != null && t('reports.days', { n: formatNumber(s.medianDays, 1) })}
                          </div>
                        )}
                      </td>
                    ))}
                    <td className="num">{figure(r.hires, below)}</td>
                    <td className="num">{figure(r.formerInternHires, below)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {gap && (
        <section aria-labelledby="gap-h">
          <h2 id="gap-h">{t('reports.gap')}</h2>
          <p className="muted">{t('reports.gapHelp', { internships: gap.openInternships, places: gap.places,
            eligible: gap.eligibleStudents == null ? `<${gap.suppressedBelow}` : formatNumber(gap.eligibleStudents) })}</p>
          <p><ExportButton list="SKILLS_GAP" extra={{ partnerWithin: partner || null }} /></p>
          {gap.skills.length === 0 && <p>{t('reports.noDemand')}</p>}
          {gap.skills.length > 0 && (
            <div className="table-wrap">
              <table className="list" data-testid="gap">
                <thead><tr>
                  <th scope="col">{t('reports.skill')}</th><th scope="col">{t('reports.demand')}</th><th scope="col">{t('reports.supply')}</th>
                  <th scope="col">{t('reports.shortfall')}</th>
                  {gap.periods.map((p) => <th scope="col" key={p}>{p}</th>)}
                  <th scope="col">{t('reports.courses')}</th>
                </tr></thead>
                <tbody>
                  {gap.skills.map((s) => (
                    <tr key={s.skill} data-skill={s.skill}>
                      <th scope="row">{s.skill}<div className="muted">{t('reports.places', { places: s.places, must: s.mustHave })}</div></th>
                      <td className="num">{formatNumber(s.demand)}</td>
                      <td className="num">{s.supply == null ? `<${gap.suppressedBelow}` : formatNumber(s.supply)}</td>
                      <td className="num">{s.shortfall == null ? '' : formatNumber(s.shortfall)}
                        {s.coverage != null && <div className="muted">{t('reports.coverage', { n: formatNumber(s.coverage * 100) })}</div>}</td>
                      {s.trend.map((p) => (
                        <td key={p.period} className="num">{formatNumber(p.demand)} / {p.supply == null ? `<${gap.suppressedBelow}` : formatNumber(p.supply)}</td>
                      ))}
                      <td>
                        {s.courses.map((c) => (
                          <div key={c.id} data-course={c.code}>
                            {c.code} {partnerName(c)}
                            {c.feedbackSummary.averageRating != null && !c.feedbackSummary.suppressed && (
                              <span className="muted"> · {t('reports.rating', { avg: formatNumber(c.feedbackSummary.averageRating, 1), count: c.feedbackSummary.count ?? 0 })}</span>
                            )}
                            {c.feedback && c.feedback.edges.length > 0 && (
                              <details>
                                <summary>{t('reports.said')}</summary>
                                <ul>
                                  {c.feedback.edges.map(({ node: f }) => (
                                    <li key={f.id}>{formatDate(f.givenOn)} · {f.alumnus.name} · {'★'.repeat(f.rating)}: {f.comment}</li>
                                  ))}
                                </ul>
                              </details>
                            )}
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </section>
  )
}
