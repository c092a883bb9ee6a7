import { useTranslation } from 'react-i18next'
import { useQuery } from 'urql'
import { graphql } from '../gql'
import { formatDate, partnerName } from '../i18n'
import { Status } from '../ui'

const AlumniDocument = graphql(`
  query AlumniPage {
    alumni(first: 100, orderBy: { field: GRADUATION_YEAR, direction: DESC }) {
      totalCount
      edges { node { id name graduationYear major position joinedOn curriculumFeedback curriculumRating willingToMentor
        employer { id name nameZh } } }
    }
  }
`)

/** Alumni: where they work, and what they say about the curriculum. */
export function AlumniPage() {
  const { t } = useTranslation()
  const [res] = useQuery({ query: AlumniDocument })
  return (
    <section aria-labelledby="alumni-h">
      <h1 id="alumni-h">{t('alumni.title')}</h1>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      <ul className="alumni">
        {res.data?.alumni.edges.map(({ node: a }) => (
          <li key={a.id}>
            <h2>{a.name} <small className="muted">{a.major} · {a.graduationYear}</small></h2>
            <p>{a.position} · {partnerName(a.employer)} · {t('alumni.since', { date: formatDate(a.joinedOn) })}{a.willingToMentor && <> · {t('alumni.mentor')}</>}</p>
            {a.curriculumRating != null && (
              <p><span aria-label={t('alumni.rating', { rating: a.curriculumRating })}>{'★'.repeat(a.curriculumRating)}{'☆'.repeat(Math.max(0, 5 - a.curriculumRating))}</span></p>
            )}
            {a.curriculumFeedback && <blockquote>{a.curriculumFeedback}</blockquote>}
          </li>
        ))}
      </ul>
    </section>
  )
}
