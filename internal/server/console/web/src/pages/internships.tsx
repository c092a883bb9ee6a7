import { Link } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useQuery } from 'urql'
import { graphql } from '../gql'
import { useSession } from '../session'
import { formatDate, partnerName } from '../i18n'
import { Status } from '../ui'

const InternshipsDocument = graphql(`
  query InternshipsPage {
    internships(first: 100, orderBy: { field: TITLE }) {
      totalCount
      edges { node { id title city slots status startDate endDate leadsToEmployment partner { id name nameZh }
        requiredSkills { skill mustHave } } }
    }
  }
`)

/** Internships, with the way to their shortlist and pipeline. */
export function InternshipsPage() {
  const { t } = useTranslation()
  const { viewer } = useSession()
  const [res] = useQuery({ query: InternshipsDocument })
  const staff = viewer?.role !== 'STUDENT' && viewer?.role !== 'ALUMNUS'
  return (
    <section aria-labelledby="internships-h">
      <h1 id="internships-h">{t('internships.title')}</h1>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {res.data && (
        <table className="list">
          <thead><tr><th scope="col">{t('internships.name')}</th><th scope="col">{t('internships.partner')}</th><th scope="col">{t('internships.city')}</th><th scope="col">{t('internships.slots')}</th><th scope="col">{t('internships.dates')}</th><th scope="col">{t('internships.status')}</th>{staff && <th scope="col"><span className="sr">{t('internships.actions')}</span></th>}</tr></thead>
          <tbody>
            {res.data.internships.edges.map(({ node: i }) => (
              <tr key={i.id}>
                <td>{i.title}<div className="skills">{i.requiredSkills.map((r) => <span key={r.skill} className="chip">{r.skill}{r.mustHave ? '*' : ''}</span>)}</div></td>
                <td>{partnerName(i.partner)}</td><td>{i.city}</td><td className="num">{i.slots}</td>
                <td>{formatDate(i.startDate)} – {formatDate(i.endDate)}</td>
                <td>{t(`internshipStatus.${i.status}`)}</td>
                {staff && <td>
                  {i.status === 'OPEN' && <Link to={`/shortlist/${encodeURIComponent(i.id)}`}>{t('nav.shortlist')}</Link>}{' '}
                  <Link to={`/pipeline?internship=${encodeURIComponent(i.id)}`}>{t('nav.pipeline')}</Link>
                </td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
