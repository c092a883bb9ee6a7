import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { useTranslation } from 'react-i18next'
import { useMutation, useQuery, useSubscription } from 'urql'
import { graphql } from '../gql'
import { formatDateTime } from '../i18n'
import { Status } from '../ui'

const AlertsDocument = graphql(`
  query Alerts {
    unreadNotificationCount
    notifications(first: 50) {
      totalCount
      edges { node { ...NotificationParts } }
    }
    savedSearches { id name kind query internship { id title } minScore matchCount createdAt }
  }
  fragment NotificationParts on Notification {
    id searchName studentCount read createdAt
    students { id name major graduationYear }
  }
`)

const NotificationAddedDocument = graphql(`
  subscription NotificationAdded {
    notificationAdded { ...NotificationParts }
  }
`)

const MarkReadDocument = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) { marked userErrors { field code message } }
  }
`)

const DeleteSavedSearchDocument = graphql(`
  mutation DeleteSavedSearch($input: DeleteInput!) {
    deleteSavedSearch(input: $input) { deletedId userErrors { field code message } }
  }
`)

/**
 * Saved searches and followed shortlists, and the notifications they made:
 * the list as stored, and each new one as it comes (the notificationAdded
 * subscription, over a WebSocket), without a reload.
 */
export function AlertsPage() {
  const { t } = useTranslation()
  const [res, refetch] = useQuery({ query: AlertsDocument, requestPolicy: 'cache-and-network' })
  const [live] = useSubscription({ query: NotificationAddedDocument })
  const [, markRead] = useMutation(MarkReadDocument)
  const [, del] = useMutation(DeleteSavedSearchDocument)
  // Notifications heard live, newest first, until the list is read again.
  const [heard, setHeard] = useState<string[]>([])
  useEffect(() => {
    const n = live.data?.notificationAdded
    if (n && !heard.includes(n.id)) {
      setHeard((h) => [n.id, ...h])
      refetch({ requestPolicy: 'network-only' })
    }
  }, [live.data])
  const list = res.data?.notifications.edges.map((e) => e.node) ?? []
  const n = live.data?.notificationAdded
  const shown = n && !list.some((x) => x.id === n.id) ? [n, ...list] : list
  const unread = res.data?.unreadNotificationCount ?? 0
  return (
    <section aria-labelledby="alerts-h">
      <h1 id="alerts-h">{t('alerts.title')}</h1>
      <p className="help">{t('alerts.help')}</p>
      <Status fetching={res.fetching && !res.data} error={res.error} />
      {live.error && <Status error={live.error} />}
      <div className="toolbar">
        <span data-testid="unread">{t('alerts.unread', { count: unread })}</span>
        <button type="button" disabled={unread === 0} onClick={async () => {
          await markRead({ input: {} })
          refetch({ requestPolicy: 'network-only' })
        }}>{t('alerts.markAll')}</button>
      </div>
      {shown.length === 0 && <p>{t('alerts.none')}</p>}
      <ul className="notifications" aria-live="polite">
        {shown.map((x) => (
          <li key={x.id} className={x.read ? 'read' : 'unread'} data-testid="notification">
            <strong>{x.searchName}</strong>{' '}
            <span>{t('alerts.entered', { count: x.studentCount })}</span>{' '}
            <time dateTime={x.createdAt}>{formatDateTime(x.createdAt)}</time>
            {!x.read && <>{' '}<button type="button" onClick={async () => {
              await markRead({ input: { ids: [x.id] } })
              refetch({ requestPolicy: 'network-only' })
            }}>{t('alerts.markRead')}</button></>}
            <ul>
              {x.students.map((s) => (
                <li key={s.id}><Link to={`/students/${s.id}`}>{s.name}</Link> · {s.major} · {s.graduationYear}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <h2>{t('alerts.saved')}</h2>
      {res.data?.savedSearches.length === 0 && <p>{t('alerts.noSaved')}</p>}
      <table>
        <thead><tr><th>{t('alerts.name')}</th><th>{t('alerts.follows')}</th><th>{t('alerts.matches')}</th><th></th></tr></thead>
        <tbody>
          {res.data?.savedSearches.map((s) => (
            <tr key={s.id} data-testid="saved-search">
              <td>{s.name}</td>
              <td>{s.kind === 'SEARCH' ? t('alerts.search', { query: s.query || '—' })
                : t('alerts.shortlist', { title: s.internship?.title ?? '—', min: s.minScore ?? 0 })}</td>
              <td>{s.matchCount}</td>
              <td><button type="button" onClick={async () => {
                await del({ input: { id: s.id } })
                refetch({ requestPolicy: 'network-only' })
              }}>{t('alerts.delete')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

const SaveSearchDocument = graphql(`
  mutation SaveSearch($input: SaveSearchInput!) {
    saveSearch(input: $input) { savedSearch { id name matchCount } userErrors { field code message } }
  }
`)

const FollowShortlistDocument = graphql(`
  mutation FollowShortlist($input: FollowShortlistInput!) {
    followShortlist(input: $input) { savedSearch { id name matchCount } userErrors { field code message } }
  }
`)

/** "Alert me": saves the search on screen, or follows the shortlist on screen, under a name. */
export function AlertMe({ search, shortlist }: {
  search?: { query: string | null; filter: Record<string, unknown> }
  shortlist?: { internshipId: string; minScore: number }
}) {
  const { t } = useTranslation()
  const [name, setName] = useState('')
  const [saveRes, save] = useMutation(SaveSearchDocument)
  const [followRes, follow] = useMutation(FollowShortlistDocument)
  const errors = saveRes.data?.saveSearch.userErrors ?? followRes.data?.followShortlist.userErrors ?? []
  const done = saveRes.data?.saveSearch.savedSearch ?? followRes.data?.followShortlist.savedSearch
  return (
    <form className="alert-me" onSubmit={async (e) => {
      e.preventDefault()
      if (search) await save({ input: { name, query: search.query ?? '', filter: search.filter } })
      else if (shortlist) await follow({ input: { name, internshipId: shortlist.internshipId, minScore: shortlist.minScore } })
    }}>
      <label htmlFor="alert-name">{t('alerts.alertMe')}</label>
      <input id="alert-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t('alerts.name')} required />
      <button type="submit" disabled={!name.trim()}>{search ? t('alerts.saveSearch') : t('alerts.follow')}</button>
      {done && <span role="status" data-testid="alert-saved">{t('alerts.savedAs', { name: done.name, count: done.matchCount })}</span>}
      {errors.map((x) => <span key={x.message} className="field-error" role="alert">{x.message}</span>)}
      {(saveRes.error || followRes.error) && <Status error={saveRes.error ?? followRes.error} />}
    </form>
  )
}
