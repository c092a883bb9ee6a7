import { useTranslation } from 'react-i18next'
import { useQuery } from 'urql'
import { graphql } from '../gql'
import { formatDate, partnerName } from '../i18n'
import { ExportButton, Status } from '../ui'

const EventsDocument = graphql(`
  query EventsPage {
    events(first: 100, orderBy: { field: HELD_ON, direction: DESC }) {
      totalCount
      edges { node {
        id kind title heldOn place summary
        partners { id name nameZh }
        participants { name role }
        actions { action owner dueOn done }
      } }
    }
  }
`)

/** The events log: visits, symposia, signings, lectures, with who took part and what is left to do. */
export function EventsPage() {
  const { t } = useTranslation()
  const [res] = useQuery({ query: EventsDocument })
  return (
    <section aria-labelledby="events-h">
      <h1 id="events-h">{t('events.title')}</h1>
      <p><ExportButton list="EVENTS" /></p>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      <ol className="events" data-testid="events">
        {res.data?.events.edges.map(({ node: e }) => (
          <li key={e.id} data-event={e.id}>
            <h2>{e.title}</h2>
            <p className="muted">{t(`eventKind.${e.kind}`)} · {formatDate(e.heldOn)}{e.place && <> · {e.place}</>} · {e.partners.map((p) => partnerName(p)).join('、')}</p>
            {e.summary && <p>{e.summary}</p>}
            {e.participants.length > 0 && (
              <p><strong>{t('events.participants')}:</strong> {e.participants.map((p) => `${p.name} (${t(`participantRole.${p.role}`)})`).join('、')}</p>
            )}
            {e.actions.length > 0 && (
              <ul className="actions" aria-label={t('events.actions')}>
                {e.actions.map((a, i) => (
                  <li key={i}>{a.done ? '☑' : '☐'} {a.action}{a.owner && <> · {a.owner}</>}{a.dueOn && <> · {t('events.due', { date: formatDate(a.dueOn) })}</>}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  )
}
