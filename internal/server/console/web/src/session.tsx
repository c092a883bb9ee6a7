// Who is signed in: the token (kept in sessionStorage, never in a URL) and
// the viewer it acts as.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react'
import { Provider, useQuery } from 'urql'
import { graphql } from './gql'
import type { ViewerQuery } from './gql/graphql'
import { getToken, makeClient, setToken } from './client'

const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      role
      name
      partner { id name nameZh kind }
      student { id name }
      alumnus { id name }
    }
  }
`)

export type Viewer = ViewerQuery['viewer']

interface Session {
  token: string | null
  viewer: Viewer | null
  loading: boolean
  error: string | null
  signIn: (token: string) => void
  signOut: () => void
}

const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside SessionProvider')
  return s
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setTok] = useState<string | null>(getToken())
  // A new client per token, so nothing one viewer saw is served to the next.
  const client = useMemo(() => makeClient(), [token])
  const signIn = (t: string) => { setToken(t.trim()); setTok(t.trim()) }
  const signOut = () => { setToken(null); setTok(null) }
  return (
    <Provider value={client}>
      <ViewerLoader token={token} signIn={signIn} signOut={signOut}>{children}</ViewerLoader>
    </Provider>
  )
}

function ViewerLoader({ token, signIn, signOut, children }: {
  token: string | null; signIn: (t: string) => void; signOut: () => void; children: ReactNode
}) {
  const [{ data, fetching, error }] = useQuery({ query: ViewerDocument, pause: !token, requestPolicy: 'network-only' })
  const code = error?.graphQLErrors?.[0]?.extensions?.code as string | undefined
  const value: Session = {
    token,
    viewer: token && data ? data.viewer : null,
    loading: !!token && fetching,
    error: error ? (code ?? error.message) : null,
    signIn,
    signOut,
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export type Role = NonNullable<Viewer>['role']

/** What each role may open; mirrors the schema's @allow rules. */
export const pagesFor: Record<Role, string[]> = {
  ADMIN: ['shortlist', 'search', 'alerts', 'pipeline', 'partners', 'commitments', 'events', 'reports', 'students', 'internships', 'alumni', 'webhooks', 'requests'],
  CAREER_OFFICER: ['shortlist', 'search', 'alerts', 'pipeline', 'partners', 'commitments', 'events', 'reports', 'students', 'internships', 'alumni', 'webhooks', 'requests'],
  PARTNER: ['shortlist', 'search', 'alerts', 'pipeline', 'partners', 'commitments', 'events', 'reports', 'internships', 'alumni', 'webhooks'],
  STUDENT: ['me', 'internships'],
  ALUMNUS: ['alumni'],
}

export function canWrite(role: Role | undefined, what: 'students' | 'applyToInternship' | 'priorities' | 'internships'): boolean {
  switch (what) {
    case 'students':
    case 'applyToInternship':
      return role === 'ADMIN' || role === 'CAREER_OFFICER'
    case 'priorities':
    case 'internships':
      return role === 'ADMIN' || role === 'CAREER_OFFICER' || role === 'PARTNER'
  }
}
