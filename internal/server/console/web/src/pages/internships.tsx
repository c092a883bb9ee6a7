import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { InternshipEditorQuery, InternshipFilter, InternshipStatus, RequiredSkillInput } from '../gql/graphql'
import { canWrite, useSession } from '../session'
import { formatDate, partnerName } from '../i18n'
import { ExportButton, FieldError, inputField, Pager, Status, useCursors, type UserError } from '../ui'

const InternshipsDocument = graphql(`
  query InternshipsPage($filter: InternshipFilter, $first: Int!, $after: String) {
    internships(filter: $filter, first: $first, after: $after, orderBy: { field: TITLE }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title city slots status startDate endDate leadsToEmployment partner { id name nameZh }
        requiredSkills { skill mustHave } } }
    }
  }
`)

const EditorDocument = graphql(`
  query InternshipEditor($id: ID!, $withInternship: Boolean!) {
    partners(first: 100, orderBy: { field: NAME }) { edges { node { id name nameZh } } }
    node(id: $id) @include(if: $withInternship) {
      ... on Internship {
        id title description majors majorsRequired minGpa graduationYearFrom graduationYearTo slots
        startDate endDate city status leadsToEmployment
        partner { id name nameZh }
        requiredSkills { skill minLevel mustHave }
      }
    }
  }
`)

const CreateDocument = graphql(`
  mutation CreateInternship($input: CreateInternshipInput!) {
    createInternship(input: $input) { internship { id } userErrors { field code message } }
  }
`)

const UpdateDocument = graphql(`
  mutation UpdateInternship($input: UpdateInternshipInput!) {
    updateInternship(input: $input) { internship { id status title } userErrors { field code message } }
  }
`)

const statuses: InternshipStatus[] = ['DRAFT', 'OPEN', 'CLOSED', 'FILLED']

/** Internships with filters, and the way to their shortlist, pipeline and editor. */
export function InternshipsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [params, setParams] = useSearchParams()
  const cursors = useCursors()
  const filter: InternshipFilter = {}
  if (params.get('q')) filter.query = params.get('q')
  if (params.get('city')) filter.city = params.get('city')
  if (params.get('status')) filter.statuses = [params.get('status') as InternshipStatus]
  const [res] = useQuery({ query: InternshipsDocument, variables: { filter, first: 25, after: cursors.after } })
  const staff = viewer?.role !== 'STUDENT' && viewer?.role !== 'ALUMNUS'
  const conn = res.data?.internships
  return (
    <section aria-labelledby="internships-h">
      <h1 id="internships-h">{t('internships.title')}</h1>
      {staff && <p><Link to="/internships/new" className="button">{t('internships.new')}</Link> <ExportButton list="INTERNSHIPS" /></p>}
      <form className="toolbar" onSubmit={(e) => {
        e.preventDefault()
        const f = new FormData(e.currentTarget)
        const p = new URLSearchParams()
        for (const k of ['q', 'city', 'status']) { const v = String(f.get(k) ?? '').trim(); if (v) p.set(k, v) }
        setParams(p); cursors.reset()
      }}>
        <label>{t('students.query')} <input name="q" defaultValue={params.get('q') ?? ''} /></label>
        <label>{t('internships.city')} <input name="city" defaultValue={params.get('city') ?? ''} /></label>
        <label>{t('internships.status')}{' '}
          <select name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">—</option>
            {statuses.map((s) => <option key={s} value={s}>{t(`internshipStatus.${s}`)}</option>)}
          </select>
        </label>
        <button type="submit">{t('filter')}</button>
      </form>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {conn && (
        <>
          <div className="table-wrap"><table className="list" data-testid="internships">
            <thead><tr><th scope="col">{t('internships.name')}</th><th scope="col">{t('internships.partner')}</th><th scope="col">{t('internships.city')}</th><th scope="col">{t('internships.slots')}</th><th scope="col">{t('internships.dates')}</th><th scope="col">{t('internships.status')}</th>{staff && <th scope="col"><span className="sr">{t('internships.actions')}</span></th>}</tr></thead>
            <tbody>
              {conn.edges.map(({ node: i }) => (
                <tr key={i.id} data-internship={i.id}>
                  <td>{i.title}<div className="skills">{i.requiredSkills.map((r) => <span key={r.skill} className="chip">{r.skill}{r.mustHave ? '*' : ''}</span>)}</div></td>
                  <td>{partnerName(i.partner)}</td><td>{i.city}</td><td className="num">{i.slots}</td>
                  <td>{formatDate(i.startDate)} – {formatDate(i.endDate)}</td>
                  <td>{t(`internshipStatus.${i.status}`)}</td>
                  {staff && <td className="actions">
                    {i.status === 'OPEN' && <Link to={`/shortlist/${encodeURIComponent(i.id)}`}>{t('nav.shortlist')}</Link>}{' '}
                    <Link to={`/pipeline?internship=${encodeURIComponent(i.id)}`}>{t('nav.pipeline')}</Link>{' '}
                    <Link to={`/internships/${encodeURIComponent(i.id)}/edit`}>{t('edit')}</Link>
                  </td>}
                </tr>
              ))}
            </tbody>
          </table></div>
          <Pager hasNext={conn.pageInfo.hasNextPage} hasPrev={cursors.depth > 1} onNext={() => cursors.next(conn.pageInfo.endCursor)} onPrev={cursors.prev} />
        </>
      )}
    </section>
  )
}

/** Required skills as people type them: "name:minLevel!; …" ("!" for a must-have). */
function parseRequired(text: string): RequiredSkillInput[] {
  return text.split(/[;；]/).map((x) => x.trim()).filter(Boolean).map((item) => {
    const mustHave = /[!！]$/.test(item)
    const body = item.replace(/[!！]$/, '').trim()
    const at = Math.max(body.lastIndexOf(':'), body.lastIndexOf('：'))
    if (at < 0) return { skill: body, minLevel: 1, mustHave }
    return { skill: body.slice(0, at).trim(), minLevel: Number(body.slice(at + 1).trim()), mustHave }
  })
}

type Editing = Extract<NonNullable<InternshipEditorQuery['node']>, { title: string }>

/** Creates an internship, or edits the one in the URL. */
export function InternshipEditorPage() {
  const { t } = useTranslation()
  const { id } = useParams()
  const navigate = useNavigate()
  const { viewer } = useSession()
  const [res] = useQuery({ query: EditorDocument, variables: { id: id ?? '', withInternship: !!id } })
  const [created, create] = useMutation(CreateDocument)
  const [updated, update] = useMutation(UpdateDocument)
  const current = res.data?.node && 'title' in res.data.node ? (res.data.node as Editing) : undefined
  const errors: readonly UserError[] | undefined = id ? updated.data?.updateInternship.userErrors : created.data?.createInternship.userErrors
  const busy = created.fetching || updated.fetching
  if (!canWrite(viewer?.role, 'internships')) return <Status error="FORBIDDEN" />
  if (res.fetching && !res.data) return <Status fetching />
  if (res.error) return <Status error={res.error} />
  if (id && !current) return <Status error="NOT_FOUND" />
  const field = inputField(errors)
  return (
    <section aria-labelledby="internship-h">
      <h1 id="internship-h">{current ? current.title : t('internships.new')}</h1>
      <form className="form" noValidate onSubmit={async (e) => {
        e.preventDefault()
        const f = new FormData(e.currentTarget)
        const str = (k: string) => String(f.get(k) ?? '').trim()
        const num = (k: string) => (str(k) === '' ? null : Number(str(k)))
        const date = (k: string) => (str(k) === '' ? null : str(k))
        const common = {
          title: str('title'), description: str('description'), requiredSkills: parseRequired(str('requiredSkills')),
          majors: str('majors').split(/[,，、;；]/).map((x) => x.trim()).filter(Boolean), majorsRequired: f.get('majorsRequired') === 'on',
          minGpa: num('minGpa'), graduationYearFrom: num('graduationYearFrom'), graduationYearTo: num('graduationYearTo'),
          slots: num('slots') ?? 1, startDate: date('startDate'), endDate: date('endDate'), city: str('city'),
          status: str('status') as InternshipStatus, leadsToEmployment: f.get('leadsToEmployment') === 'on',
        }
        if (current) {
          const r = await update({ input: { id: current.id, ...common } })
          if (r.data?.updateInternship.internship && r.data.updateInternship.userErrors.length === 0) navigate('/internships')
        } else {
          const r = await create({ input: { partnerId: str('partnerId'), ...common } })
          if (r.data?.createInternship.internship && r.data.createInternship.userErrors.length === 0) navigate('/internships')
        }
      }}>
        {errors && errors.length > 0 && <p role="alert" className="error">{t('form.fix', { count: errors.length })}</p>}
        {!current && (
          <div className="field">
            <label htmlFor="f-partnerId">{t('internships.partner')}</label>
            <select id="f-partnerId" name="partnerId" defaultValue={viewer?.partner?.id ?? ''} aria-describedby="err-partnerId">
              <option value="">—</option>
              {res.data?.partners.edges.map(({ node: p }) => <option key={p.id} value={p.id}>{partnerName(p)}</option>)}
            </select>
            <FieldError errors={errors} field="partnerId" />
          </div>
        )}
        {field('title', t('internships.name'), current?.title)}
        <div className="field">
          <label htmlFor="f-description">{t('internships.description')}</label>
          <textarea id="f-description" name="description" rows={5} defaultValue={current?.description} aria-describedby="err-description" />
          <FieldError errors={errors} field="description" />
        </div>
        {field('requiredSkills', t('internships.skillsInput'), current?.requiredSkills.map((r) => `${r.skill}:${r.minLevel}${r.mustHave ? '!' : ''}`).join('; '))}
        {field('majors', t('internships.majors'), current?.majors.join(', '))}
        <div className="field"><label><input type="checkbox" name="majorsRequired" defaultChecked={current?.majorsRequired} /> {t('internships.majorsRequired')}</label></div>
        {field('minGpa', t('students.minGpa'), current?.minGpa, 'number', { step: '0.01' })}
        {field('graduationYearFrom', t('internships.yearFrom'), current?.graduationYearFrom, 'number')}
        {field('graduationYearTo', t('internships.yearTo'), current?.graduationYearTo, 'number')}
        {field('slots', t('internships.slots'), current?.slots ?? 1, 'number', { min: '1' })}
        {field('startDate', t('internships.start'), current?.startDate, 'date')}
        {field('endDate', t('internships.end'), current?.endDate, 'date')}
        {field('city', t('internships.city'), current?.city)}
        <div className="field">
          <label htmlFor="f-status">{t('internships.status')}</label>
          <select id="f-status" name="status" defaultValue={current?.status ?? 'DRAFT'}>
            {statuses.map((s) => <option key={s} value={s}>{t(`internshipStatus.${s}`)}</option>)}
          </select>
          <FieldError errors={errors} field="status" />
        </div>
        <div className="field"><label><input type="checkbox" name="leadsToEmployment" defaultChecked={current?.leadsToEmployment} /> {t('internships.leadsToEmployment')}</label></div>
        <button type="submit" disabled={busy}>{t('save')}</button>{' '}
        <button type="button" onClick={() => navigate('/internships')}>{t('cancel')}</button>
        {(created.error || updated.error) && <Status error={created.error ?? updated.error} />}
      </form>
    </section>
  )
}
