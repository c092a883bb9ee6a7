import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { FeatureWeightsInput, PartnersPageQuery } from '../gql/graphql'
import { canWrite, useSession } from '../session'
import { formatDate, formatNumber, partnerName } from '../i18n'
import { FieldError, Status } from '../ui'

// One flat page of partners, each with its subsidiaries' ids: the tree is
// built here, so its depth costs nothing more (the API caps the complexity
// of nested pages). Parents are not asked for: a plant's HR may not see its
// group.
const PartnersDocument = graphql(`
  query PartnersPage {
    partners(first: 50, orderBy: { field: NAME }) {
      totalCount
      edges { node { ...PartnerParts subsidiaries(first: 20) { edges { node { id } } } } }
    }
  }
  fragment PartnerParts on Partner {
    id name nameZh kind city industry
    contacts { name role email phone }
    sites(first: 10) { edges { node { id name nameZh kind } } }
    agreements(first: 5) { edges { node { id title status scopes signedOn validFrom validUntil } } }
    hiringPriorities {
      inherited preferredMajors preferredCities preferGroupInterns preferAlumni
      weights { skillCoverage textRelevance majorFit academics groupAffinity availabilityFit }
    }
  }
`)

const PreviewInternshipsDocument = graphql(`
  query PreviewInternships($partnerId: ID!) {
    internships(first: 50, filter: { partnerWithin: $partnerId, statuses: [OPEN] }, orderBy: { field: TITLE }) {
      edges { node { id title } }
    }
  }
`)

const PreviewDocument = graphql(`
  query PrioritiesPreview($internshipId: ID!) {
    shortlist(internshipId: $internshipId, first: 20) {
      edges { node { rank score student { id name } breakdown { name value weight contribution } } }
    }
  }
`)

const SetPrioritiesDocument = graphql(`
  mutation SetHiringPriorities($input: SetHiringPrioritiesInput!) {
    setHiringPriorities(input: $input) {
      hiringPriorities { id inherited preferredMajors preferredCities preferGroupInterns preferAlumni
        weights { skillCoverage textRelevance majorFit academics groupAffinity availabilityFit } }
      userErrors { field code message }
    }
  }
`)

type Parts = PartnersPageQuery['partners']['edges'][number]['node']

/** The group → subsidiary tree with sites, agreements, contacts and hiring priorities. */
export function PartnersPage() {
  const { t } = useTranslation()
  const [res] = useQuery({ query: PartnersDocument })
  const all = res.data?.partners.edges.map((e) => e.node) ?? []
  const byId = new Map(all.map((p) => [p.id, p]))
  const childIds = new Set(all.flatMap((p) => p.subsidiaries.edges.map((e) => e.node.id)))
  // A partner that is no visible partner's subsidiary is a root.
  const roots = all.filter((p) => !childIds.has(p.id))
  const children = (id: string) => byId.get(id)!.subsidiaries.edges.map((e) => byId.get(e.node.id)).filter((p): p is Parts => !!p)
  const branch = (p: Parts): React.ReactNode => (
    <li key={p.id}>
      <PartnerCard p={p} />
      {children(p.id).length > 0 && <ul className="tree">{children(p.id).map(branch)}</ul>}
    </li>
  )
  return (
    <section aria-labelledby="partners-h">
      <h1 id="partners-h">{t('partners.title')}</h1>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      <ul className="tree" data-testid="partner-tree">{roots.map(branch)}</ul>
    </section>
  )
}

function PartnerCard({ p }: { p: Parts }) {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [editing, setEditing] = useState(false)
  return (
    <article className="partner" data-partner={p.id}>
      <h2>{partnerName(p)} <small className="muted">{t(`kind.${p.kind}`)} · {p.city} · {p.industry}</small></h2>
      {p.sites.edges.length > 0 && (
        <p><strong>{t('partners.sites')}:</strong> {p.sites.edges.map(({ node: s }) => partnerName(s)).join('、')}</p>
      )}
      {p.agreements.edges.map(({ node: a }) => (
        <p key={a.id} className="agreement">
          <strong>{a.title}</strong> · {t(`agreement.${a.status}`)} · {formatDate(a.validFrom)} – {formatDate(a.validUntil)}
          <br />{a.scopes.map((s) => <span key={s} className="chip">{t(`scope.${s}`)}</span>)}
        </p>
      ))}
      {p.contacts.length > 0 && (
        <ul className="contacts">{p.contacts.map((c) => <li key={c.name}>{c.name} · {c.role} · {c.email} {c.phone}</li>)}</ul>
      )}
      {p.hiringPriorities && (
        <div>
          <strong>{t('partners.priorities')}</strong>{p.hiringPriorities.inherited && <> ({t('partners.inherited')})</>}:{' '}
          {weightKeys.map((k) => `${t(`feature.${featureOf[k]}`)} ${formatNumber(p.hiringPriorities!.weights[k])}`).join(' · ')}
          {canWrite(viewer?.role, 'priorities') && !editing && (
            <> <button type="button" data-testid="adjust" onClick={() => setEditing(true)}>{t('partners.edit')}</button></>
          )}
          {editing && <PrioritiesEditor partner={p} onDone={() => setEditing(false)} />}
        </div>
      )}
    </article>
  )
}

const weightKeys = ['skillCoverage', 'textRelevance', 'majorFit', 'academics', 'groupAffinity', 'availabilityFit'] as const
type WeightKey = (typeof weightKeys)[number]
const featureOf: Record<WeightKey, string> = {
  skillCoverage: 'skill_coverage', textRelevance: 'text_relevance', majorFit: 'major_fit',
  academics: 'academics', groupAffinity: 'group_affinity', availabilityFit: 'availability_fit',
}

/**
 * Sliders for the weights, with a preview of how the top of one of the
 * partner's shortlists would reorder: every breakdown value is known, so the
 * new score is Σ value × weight / Σ weights, exactly what the matcher will
 * compute for these candidates.
 */
function PrioritiesEditor({ partner, onDone }: { partner: Parts; onDone: () => void }) {
  const { t } = useTranslation()
  const start = partner.hiringPriorities!.weights
  const [w, setW] = useState<Record<WeightKey, number>>(() => Object.fromEntries(weightKeys.map((k) => [k, start[k]])) as Record<WeightKey, number>)
  // The open internships of the partner and its subsidiaries.
  const [list] = useQuery({ query: PreviewInternshipsDocument, variables: { partnerId: partner.id } })
  const internships = list.data?.internships.edges.map((e) => e.node) ?? []
  const [chosen, setInternshipId] = useState('')
  const internshipId = chosen || internships[0]?.id || ''
  const [preview] = useQuery({ query: PreviewDocument, variables: { internshipId }, pause: !internshipId })
  const [saved, save] = useMutation(SetPrioritiesDocument)
  const sum = weightKeys.reduce((s, k) => s + w[k], 0) || 1
  const rows = (preview.data?.shortlist.edges ?? []).map(({ node: e }) => {
    const v = Object.fromEntries(e.breakdown.map((b) => [b.name, b.value]))
    const score = weightKeys.reduce((s, k) => s + (v[featureOf[k]] ?? 0) * w[k], 0) / sum
    return { id: e.student.id, name: e.student.name, was: e.rank, score }
  }).sort((a, b) => b.score - a.score || a.was - b.was)
  const errors = saved.data?.setHiringPriorities.userErrors
  return (
    <form className="priorities" onSubmit={async (e) => {
      e.preventDefault()
      // Everything else the priorities hold goes back as it was: the
      // mutation sets the whole record.
      const hp = partner.hiringPriorities!
      const r = await save({ input: {
        partnerId: partner.id, weights: w as FeatureWeightsInput,
        preferredMajors: hp.preferredMajors, preferredCities: hp.preferredCities,
        preferGroupInterns: hp.preferGroupInterns, preferAlumni: hp.preferAlumni,
      } })
      if (r.data?.setHiringPriorities.hiringPriorities) onDone()
    }}>
      {weightKeys.map((k) => (
        <div key={k} className="slider">
          <label htmlFor={`w-${partner.id}-${k}`}>{t(`feature.${featureOf[k]}`)}</label>
          <input id={`w-${partner.id}-${k}`} type="range" min="0" max="100" step="1" value={w[k]}
            onChange={(e) => setW({ ...w, [k]: Number(e.target.value) })} />
          <output htmlFor={`w-${partner.id}-${k}`}>{formatNumber(w[k])}</output>
        </div>
      ))}
      <FieldError errors={errors} field="weights" />
      {internships.length > 0 && (
        <div className="preview">
          <label>{t('partners.previewFor')}{' '}
            <select value={internshipId} onChange={(e) => setInternshipId(e.target.value)}>
              {internships.map((i) => <option key={i.id} value={i.id}>{i.title}</option>)}
            </select>
          </label>
          <Status fetching={preview.fetching && !preview.data} error={preview.error} />
          <ol data-testid="preview">
            {rows.slice(0, 10).map((r, i) => (
              <li key={r.id} data-student={r.id}>{r.name} · {formatNumber(r.score, 3)} {r.was !== i + 1 && <small className="muted">({t('partners.was', { rank: r.was })})</small>}</li>
            ))}
          </ol>
        </div>
      )}
      <button type="submit" disabled={saved.fetching}>{t('save')}</button>{' '}
      <button type="button" onClick={onDone}>{t('cancel')}</button>
      {saved.error && <Status error={saved.error} />}
    </form>
  )
}
