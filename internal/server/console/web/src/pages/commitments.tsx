import { useTranslation } from 'react-i18next'
import { useMutation, useQuery } from 'urql'
import { graphql } from '../gql'
import type { CommitmentKind } from '../gql/graphql'
import { canWrite, useSession } from '../session'
import { formatDate, formatNumber, partnerName } from '../i18n'
import { ExportButton, FieldError, Status, inputField, type UserError } from '../ui'

const CommitmentsDocument = graphql(`
  query CommitmentsPage($staff: Boolean!) {
    commitments(first: 100, orderBy: { field: PERIOD_END, direction: DESC }) {
      totalCount
      edges { node { ...CommitmentParts } }
    }
    attention(withinDays: 60) @include(if: $staff) {
      commitments { ...CommitmentParts }
      agreements { id title validUntil partner { id name nameZh } }
    }
    agreements(first: 50, filter: { statuses: [ACTIVE] }) @include(if: $staff) {
      edges { node { id title partner { id name nameZh } } }
    }
    partners(first: 100, orderBy: { field: NAME }) @include(if: $staff) {
      edges { node { id name nameZh } }
    }
  }
  fragment CommitmentParts on Commitment {
    id kind periodStart periodEnd target unit notes delivered share status daysLeft
    partner { id name nameZh }
    agreement { id title }
  }
`)

const CreateCommitmentDocument = graphql(`
  mutation CreateCommitment($input: CreateCommitmentInput!) {
    createCommitment(input: $input) { commitment { id } userErrors { field code message } }
  }
`)

const kinds: CommitmentKind[] = ['INTERNSHIP_PLACES', 'TRAINING_PLACES', 'PRIORITY_HIRES', 'GUEST_LECTURES', 'VISITS', 'SYMPOSIA',
  'JOINT_RESEARCH', 'SCHOLARSHIPS', 'OTHER']

/** What the agreements promise, against what the pipeline delivered; for the career office, what needs attention. */
export function CommitmentsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const staff = viewer?.role === 'ADMIN' || viewer?.role === 'CAREER_OFFICER'
  const [res] = useQuery({ query: CommitmentsDocument, variables: { staff } })
  const d = res.data
  return (
    <section aria-labelledby="commitments-h">
      <h1 id="commitments-h">{t('commitments.title')}</h1>
      <p className="help">{t('commitments.help')}</p>
      <p><ExportButton list="COMMITMENTS" /></p>
      <Status fetching={res.fetching && !d} error={res.error} />
      {d?.attention && (
        <section aria-labelledby="attention-h" className="attention" data-testid="attention">
          <h2 id="attention-h">{t('commitments.attention')}</h2>
          {d.attention.commitments.length === 0 && d.attention.agreements.length === 0 && <p>{t('commitments.nothing')}</p>}
          <ul>
            {d.attention.commitments.map((c) => (
              <li key={c.id} data-commitment={c.id}>
                {partnerName(c.partner)} · {t(`commitmentKind.${c.kind}`)}: {c.delivered}/{c.target} {c.unit} · {t('commitments.daysLeft', { count: c.daysLeft })}
              </li>
            ))}
            {d.attention.agreements.map((a) => (
              <li key={a.id}>{t('commitments.agreementEnds', { title: a.title, date: formatDate(a.validUntil) })} · {partnerName(a.partner)}</li>
            ))}
          </ul>
        </section>
      )}
      {d && (
        <div className="table-wrap">
          <table className="list" data-testid="commitments">
            <thead><tr>
              <th scope="col">{t('commitments.partner')}</th><th scope="col">{t('commitments.kind')}</th><th scope="col">{t('commitments.period')}</th>
              <th scope="col">{t('commitments.progress')}</th><th scope="col">{t('commitments.status')}</th>
            </tr></thead>
            <tbody>
              {d.commitments.edges.map(({ node: c }) => (
                <tr key={c.id} data-commitment={c.id} data-status={c.status}>
                  <td>{partnerName(c.partner)}{c.agreement && <div className="muted">{c.agreement.title}</div>}</td>
                  <td>{t(`commitmentKind.${c.kind}`)}{c.notes && <div className="muted">{c.notes}</div>}</td>
                  <td>{formatDate(c.periodStart)} – {formatDate(c.periodEnd)}</td>
                  <td>
                    <progress max={c.target} value={Math.min(c.delivered, c.target)} aria-label={t('commitments.progressOf', { delivered: c.delivered, target: c.target })} />{' '}
                    <span className="num">{formatNumber(c.delivered)} / {formatNumber(c.target)} {c.unit} ({formatNumber(c.share * 100)}%)</span>
                  </td>
                  <td><span className={`chip status-${c.status}`}>{t(`commitmentStatus.${c.status}`)}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d && canWrite(viewer?.role, 'students') && d.agreements && d.partners && (
        <NewCommitment agreements={d.agreements.edges.map((e) => e.node)} partners={d.partners.edges.map((e) => e.node)} />
      )}
    </section>
  )
}

function NewCommitment({ agreements, partners }: {
  agreements: { id: string; title: string; partner: { id: string; name: string; nameZh: string } }[]
  partners: { id: string; name: string; nameZh: string }[]
}) {
  const { t } = useTranslation()
  const [res, create] = useMutation(CreateCommitmentDocument)
  const errors: readonly UserError[] | undefined = res.data?.createCommitment.userErrors
  const field = inputField(errors)
  const select = (name: string, label: string, options: { value: string; label: string }[]) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name} aria-describedby={`err-${name}`}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      <FieldError errors={errors} field={name} />
    </div>
  )
  return (
    <details className="new-commitment">
      <summary>{t('commitments.new')}</summary>
      <form className="form" noValidate onSubmit={async (e) => {
        e.preventDefault()
        const form = e.currentTarget
        const f = new FormData(form)
        const str = (k: string) => String(f.get(k) ?? '').trim()
        const r = await create({ input: {
          agreementId: str('agreementId'), partnerId: str('partnerId'), kind: str('kind') as CommitmentKind,
          periodStart: str('periodStart'), periodEnd: str('periodEnd'), target: Number(str('target') || '0'),
          unit: str('unit'), notes: str('notes'),
        } }, { additionalTypenames: ['Commitment'] })
        if (r.data?.createCommitment.commitment) form.reset()
      }}>
        {errors && errors.length > 0 && <p role="alert" className="error">{t('form.fix', { count: errors.length })}</p>}
        {select('agreementId', t('commitments.agreement'), agreements.map((a) => ({ value: a.id, label: `${a.title} — ${partnerName(a.partner)}` })))}
        {select('partnerId', t('commitments.partner'), partners.map((p) => ({ value: p.id, label: partnerName(p) })))}
        {select('kind', t('commitments.kind'), kinds.map((k) => ({ value: k, label: t(`commitmentKind.${k}`) })))}
        {field('periodStart', t('commitments.start'), '', 'date')}
        {field('periodEnd', t('commitments.end'), '', 'date')}
        {field('target', t('commitments.target'), '', 'number', { min: '1' })}
        {field('unit', t('commitments.unit'), '')}
        {field('notes', t('commitments.notes'), '')}
        <button type="submit" disabled={res.fetching}>{t('save')}</button>
        {res.error && <Status error={res.error} />}
      </form>
    </details>
  )
}
