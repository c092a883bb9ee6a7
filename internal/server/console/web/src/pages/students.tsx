import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useClient, useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { StudentFilter, StudentProfileFragment, UpdateStudentInput } from '../gql/graphql'
import { canWrite, useSession } from '../session'
import { formatDate, formatDateTime, formatNumber, partnerName } from '../i18n'
import { ExportButton, FieldError, inputField, Pager, Status, useCursors, type UserError } from '../ui'

const StudentsDocument = graphql(`
  query StudentsPage($filter: StudentFilter, $first: Int!, $after: String) {
    students(filter: $filter, first: $first, after: $after, orderBy: { field: NAME }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id studentNumber name major graduationYear gpa consentToShare } }
    }
  }
`)

const StudentDocument = graphql(`
  query StudentPage($id: ID!) {
    node(id: $id) {
      ... on Student { ...StudentProfile }
    }
  }
  fragment StudentProfile on Student {
    id studentNumber name college major enrolmentYear graduationYear gpa
    skills { skill level } courses certificates languages preferredCities statement
    availableFrom availableUntil consentToShare consentUpdatedAt email phone updatedAt
    applications(first: 50) { edges { node { id status updatedAt internship { id title partner { id name nameZh } } } } }
  }
`)

const CreateStudentDocument = graphql(`
  mutation CreateStudent($input: CreateStudentInput!) {
    createStudent(input: $input) { student { id } userErrors { field code message } }
  }
`)

const UpdateStudentDocument = graphql(`
  mutation UpdateStudent($input: UpdateStudentInput!) {
    updateStudent(input: $input) { student { ...StudentProfile } userErrors { field code message } }
  }
`)

/** Students with filters, paged. */
export function StudentsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [params, setParams] = useSearchParams()
  const cursors = useCursors()
  const filter: StudentFilter = {}
  if (params.get('q')) filter.query = params.get('q')
  if (params.get('major')) filter.majors = [params.get('major')!]
  if (params.get('minGpa')) filter.minGpa = Number(params.get('minGpa'))
  if (params.get('year')) { filter.graduationYearFrom = Number(params.get('year')); filter.graduationYearTo = Number(params.get('year')) }
  const [res] = useQuery({ query: StudentsDocument, variables: { filter, first: 25, after: cursors.after } })
  const conn = res.data?.students
  return (
    <section aria-labelledby="students-h">
      <h1 id="students-h">{t('students.title')}</h1>
      {canWrite(viewer?.role, 'students') && (
        <p><Link to="/students/new" className="button">{t('students.new')}</Link>{' '}
          <Link to="/students/import" className="button">{t('import.title')}</Link>{' '}
          <ExportButton list="STUDENTS" /></p>
      )}
      <form className="toolbar" onSubmit={(e) => {
        e.preventDefault()
        const f = new FormData(e.currentTarget)
        const p = new URLSearchParams()
        for (const k of ['q', 'major', 'minGpa', 'year']) { const v = String(f.get(k) ?? '').trim(); if (v) p.set(k, v) }
        setParams(p); cursors.reset()
      }}>
        <label>{t('students.query')} <input name="q" defaultValue={params.get('q') ?? ''} /></label>
        <label>{t('students.major')} <input name="major" defaultValue={params.get('major') ?? ''} /></label>
        <label>{t('students.minGpa')} <input name="minGpa" type="number" step="0.1" min="0" max="4" defaultValue={params.get('minGpa') ?? ''} style={{ width: '5em' }} /></label>
        <label>{t('students.year')} <input name="year" type="number" defaultValue={params.get('year') ?? ''} style={{ width: '6em' }} /></label>
        <button type="submit">{t('filter')}</button>
      </form>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {conn && (
        <>
          <p className="muted">{t('students.total', { count: conn.totalCount })}</p>
          <div className="table-wrap"><table className="list">
            <thead><tr><th scope="col">{t('students.number')}</th><th scope="col">{t('students.name')}</th><th scope="col">{t('students.major')}</th><th scope="col">{t('students.year')}</th><th scope="col">GPA</th><th scope="col">{t('students.consent')}</th></tr></thead>
            <tbody>
              {conn.edges.map(({ node: s }) => (
                <tr key={s.id}>
                  <td>{s.studentNumber}</td>
                  <td><Link to={`/students/${encodeURIComponent(s.id)}`}>{s.name}</Link></td>
                  <td>{s.major}</td><td>{s.graduationYear}</td><td className="num">{formatNumber(s.gpa, 2)}</td>
                  <td>{s.consentToShare ? t('yes') : t('no')}</td>
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

type Profile = StudentProfileFragment

/** A student's profile, and the form that edits it. */
export function StudentPage() {
  const { t } = useTranslation()
  const { id } = useParams()
  const { viewer } = useSession()
  const [res] = useQuery({ query: StudentDocument, variables: { id: id ?? '' } })
  const [editing, setEditing] = useState(false)
  const s = res.data?.node && 'studentNumber' in res.data.node ? (res.data.node as Profile) : null
  const mayEdit = viewer?.role === 'ADMIN' || viewer?.role === 'CAREER_OFFICER' || (viewer?.role === 'STUDENT' && viewer.student?.id === id)
  return (
    <section aria-labelledby="student-h">
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {s && s.id && (
        <>
          <h1 id="student-h">{s.name} <small className="muted">{s.studentNumber}</small></h1>
          {editing ? <StudentForm s={s} onDone={() => setEditing(false)} /> : (
            <>
              <dl className="profile">
                <dt>{t('students.major')}</dt><dd>{s.major} · {s.college}</dd>
                <dt>{t('students.years')}</dt><dd>{s.enrolmentYear}–{s.graduationYear}</dd>
                <dt>GPA</dt><dd>{formatNumber(s.gpa, 2)}</dd>
                <dt>{t('students.skills')}</dt><dd>{s.skills.map((k) => <span key={k.skill} className="chip">{k.skill} {k.level}</span>)}</dd>
                <dt>{t('students.courses')}</dt><dd>{s.courses.join('、') || '—'}</dd>
                <dt>{t('students.certificates')}</dt><dd>{s.certificates.join('、') || '—'}</dd>
                <dt>{t('students.cities')}</dt><dd>{s.preferredCities.join('、') || '—'}</dd>
                <dt>{t('students.available')}</dt><dd>{formatDate(s.availableFrom)} – {formatDate(s.availableUntil)}</dd>
                <dt>{t('students.consent')}</dt><dd>{s.consentToShare ? t('yes') : t('no')} ({formatDateTime(s.consentUpdatedAt)})</dd>
                <dt>{t('students.contact')}</dt><dd>{s.email ?? t('students.hidden')} · {s.phone ?? t('students.hidden')}</dd>
                <dt>{t('students.statement')}</dt><dd className="statement">{s.statement || '—'}</dd>
              </dl>
              {mayEdit && <button type="button" data-testid="edit" onClick={() => setEditing(true)}>{t('edit')}</button>}
              {viewer?.role === 'STUDENT' && viewer.student?.id === id && <MyData />}
              <h2>{t('students.applications')}</h2>
              <ul>
                {s.applications.edges.map(({ node: a }) => (
                  <li key={a.id}>{a.internship.title} · {partnerName(a.internship.partner)} · {t(`status.${a.status}`)} · {formatDate(a.updatedAt.slice(0, 10))}</li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  )
}

/** Students' skills as people type them: "name:level; name:level". */
function parseSkills(text: string): { skill: string; level: number }[] {
  return text.split(/[;；]/).map((x) => x.trim()).filter(Boolean).map((item) => {
    const at = Math.max(item.lastIndexOf(':'), item.lastIndexOf('：'))
    if (at < 0) return { skill: item, level: 1 }
    return { skill: item.slice(0, at).trim(), level: Number(item.slice(at + 1).trim()) }
  })
}

/** The form that creates a student (s absent) or edits one. */
function StudentForm({ s, onDone }: { s?: Profile; onDone: (id?: string) => void }) {
  const { t } = useTranslation()
  const [updated, update] = useMutation(UpdateStudentDocument)
  const [created, create] = useMutation(CreateStudentDocument)
  const res = s ? updated : created
  const errors: readonly UserError[] | undefined = s ? updated.data?.updateStudent.userErrors : created.data?.createStudent.userErrors
  const field = inputField(errors)
  return (
    <form className="form" noValidate onSubmit={async (e) => {
      e.preventDefault()
      const f = new FormData(e.currentTarget)
      const str = (k: string) => String(f.get(k) ?? '').trim()
      const list = (k: string) => str(k).split(/[,，、;；]/).map((x) => x.trim()).filter(Boolean)
      const num = (k: string) => (str(k) === '' ? null : Number(str(k)))
      const common = {
        name: str('name'), major: str('major'), college: str('college'), gpa: num('gpa'), statement: str('statement'),
        skills: parseSkills(str('skills')),
        courses: list('courses'), certificates: list('certificates'), preferredCities: list('preferredCities'),
        consentToShare: f.get('consentToShare') === 'on',
      }
      // Contact details go back only when the viewer could see them.
      const contact = !s || s.email != null ? { email: str('email'), phone: str('phone') } : {}
      if (s) {
        const input: UpdateStudentInput = { id: s.id, ...common, ...contact,
          enrolmentYear: num('enrolmentYear') ?? undefined, graduationYear: num('graduationYear') ?? undefined }
        const r = await update({ input })
        if (r.data?.updateStudent.student && r.data.updateStudent.userErrors.length === 0) onDone()
      } else {
        const r = await create({ input: { ...common, ...contact, studentNumber: str('studentNumber'),
          enrolmentYear: num('enrolmentYear') as number, graduationYear: num('graduationYear') as number } })
        const made = r.data?.createStudent.student
        if (made && r.data?.createStudent.userErrors.length === 0) onDone(made.id)
      }
    }}>
      {errors && errors.length > 0 && <p role="alert" className="error">{t('form.fix', { count: errors.length })}</p>}
      {!s && field('studentNumber', t('students.number'), '')}
      {field('name', t('students.name'), s?.name)}
      {field('college', t('students.college'), s?.college)}
      {field('major', t('students.major'), s?.major)}
      {field('enrolmentYear', t('students.enrolmentYear'), s?.enrolmentYear, 'number')}
      {field('graduationYear', t('students.graduationYear'), s?.graduationYear, 'number')}
      {field('gpa', 'GPA', s?.gpa, 'number', { step: '0.01' })}
      {(!s || s.email != null) && field('email', t('students.email'), s?.email, 'email')}
      {(!s || s.phone != null) && field('phone', t('students.phone'), s?.phone)}
      {field('skills', t('students.skillsInput'), s?.skills.map((k) => `${k.skill}:${k.level}`).join('; '))}
      {field('courses', t('students.courses'), s?.courses.join(', '))}
      {field('certificates', t('students.certificates'), s?.certificates.join(', '))}
      {field('preferredCities', t('students.cities'), s?.preferredCities.join(', '))}
      <div className="field">
        <label htmlFor="f-statement">{t('students.statement')}</label>
        <textarea id="f-statement" name="statement" defaultValue={s?.statement} rows={5} aria-describedby="err-statement" />
        <FieldError errors={errors} field="statement" />
      </div>
      <div className="field">
        <label><input type="checkbox" name="consentToShare" defaultChecked={s?.consentToShare} /> {t('students.consent')}</label>
      </div>
      <button type="submit" disabled={res.fetching}>{t('save')}</button>{' '}
      <button type="button" onClick={() => onDone()}>{t('cancel')}</button>
      {res.error && <Status error={res.error} />}
    </form>
  )
}

/** A new student. */
export function NewStudentPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  return (
    <section aria-labelledby="new-student-h">
      <h1 id="new-student-h">{t('students.new')}</h1>
      <StudentForm onDone={(id) => navigate(id ? `/students/${encodeURIComponent(id)}` : '/students')} />
    </section>
  )
}

const ExportMyDataDocument = graphql(`
  query ExportMyData { exportMyData { generatedAt json } }
`)

const RequestErasureDocument = graphql(`
  mutation RequestErasure($input: RequestErasureInput!) {
    requestErasure(input: $input) { request { id status } userErrors { field code message } }
  }
`)

/** A student's own data rights: a copy of their data, and a request to erase it. */
function MyData() {
  const { t } = useTranslation()
  const client = useClient()
  const [reason, setReason] = useState('')
  const [res, request] = useMutation(RequestErasureDocument)
  return (
    <section aria-labelledby="rights-h" className="rights">
      <h2 id="rights-h">{t('rights.title')}</h2>
      <p className="help">{t('rights.help')}</p>
      <button type="button" data-testid="download-data" onClick={async () => {
        const r = await client.query(ExportMyDataDocument, {}, { requestPolicy: 'network-only' }).toPromise()
        const doc = r.data?.exportMyData
        if (!doc) return
        const a = document.createElement('a')
        a.href = URL.createObjectURL(new Blob([doc.json], { type: 'application/json' }))
        a.download = 'crucible-my-data.json'
        a.click()
      }}>{t('rights.download')}</button>
      <form onSubmit={async (e) => { e.preventDefault(); await request({ input: { reason } }) }}>
        <label htmlFor="erase-reason">{t('rights.reason')}</label>
        <input id="erase-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <button type="submit" data-testid="request-erasure">{t('rights.erase')}</button>
        {res.data?.requestErasure.request && <span role="status">{t('rights.asked')}</span>}
        {res.data?.requestErasure.userErrors.map((x) => <span key={x.message} className="field-error" role="alert">{x.message}</span>)}
        {res.error && <Status error={res.error} />}
      </form>
    </section>
  )
}
