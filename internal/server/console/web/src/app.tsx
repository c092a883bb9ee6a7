import { NavLink, Navigate, Route, Routes } from 'react-router'
import { useTranslation } from 'react-i18next'
import { canWrite, pagesFor, useSession } from './session'
import { languages, partnerName, setLanguage, type Language } from './i18n'
import { SignIn } from './pages/signin'
import { ShortlistPage } from './pages/shortlist'
import { SearchPage } from './pages/search'
import { PipelinePage } from './pages/pipeline'
import { PartnersPage } from './pages/partners'
import { NewStudentPage, StudentsPage, StudentPage } from './pages/students'
import { InternshipEditorPage, InternshipsPage } from './pages/internships'
import { ImportPage } from './pages/import'
import { CommitmentsPage } from './pages/commitments'
import { EventsPage } from './pages/events'
import { AlumniPage } from './pages/alumni'
import { ReportsPage } from './pages/reports'
import { AlertsPage } from './pages/alerts'
import { RequestsPage, WebhooksPage } from './pages/integrations'
import { Status } from './ui'

export function App() {
  const { t } = useTranslation()
  const s = useSession()
  if (!s.token || s.error === 'UNAUTHENTICATED') return <Shell><SignIn failed={s.error === 'UNAUTHENTICATED'} /></Shell>
  if (!s.viewer) return <Shell><Status fetching={s.loading} error={s.error ?? undefined} /></Shell>
  const pages = pagesFor[s.viewer.role]
  const home = s.viewer.role === 'STUDENT' ? `/students/${s.viewer.student?.id}` : '/' + pages[0]
  return (
    <Shell>
      <nav aria-label={t('nav.label')} className="nav">
        {pages.map((p) => (
          <NavLink key={p} to={p === 'me' ? home : '/' + p}>{t(`nav.${p}`)}</NavLink>
        ))}
      </nav>
      <main id="main">
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          {pages.includes('shortlist') && <Route path="/shortlist/:internshipId?" element={<ShortlistPage />} />}
          {pages.includes('search') && <Route path="/search" element={<SearchPage />} />}
          {pages.includes('alerts') && <Route path="/alerts" element={<AlertsPage />} />}
          {pages.includes('pipeline') && <Route path="/pipeline" element={<PipelinePage />} />}
          {pages.includes('partners') && <Route path="/partners" element={<PartnersPage />} />}
          {pages.includes('commitments') && <Route path="/commitments" element={<CommitmentsPage />} />}
          {pages.includes('events') && <Route path="/events" element={<EventsPage />} />}
          {pages.includes('reports') && <Route path="/reports" element={<ReportsPage />} />}
          {pages.includes('students') && <Route path="/students" element={<StudentsPage />} />}
          {canWrite(s.viewer.role, 'students') && <Route path="/students/new" element={<NewStudentPage />} />}
          {canWrite(s.viewer.role, 'students') && <Route path="/students/import" element={<ImportPage />} />}
          {(pages.includes('students') || pages.includes('me')) && <Route path="/students/:id" element={<StudentPage />} />}
          {pages.includes('internships') && <Route path="/internships" element={<InternshipsPage />} />}
          {canWrite(s.viewer.role, 'internships') && <Route path="/internships/new" element={<InternshipEditorPage />} />}
          {canWrite(s.viewer.role, 'internships') && <Route path="/internships/:id/edit" element={<InternshipEditorPage />} />}
          {pages.includes('alumni') && <Route path="/alumni" element={<AlumniPage />} />}
          {pages.includes('webhooks') && <Route path="/webhooks" element={<WebhooksPage />} />}
          {pages.includes('requests') && <Route path="/requests" element={<RequestsPage />} />}
          <Route path="*" element={<p role="alert">{t('notFound')}</p>} />
        </Routes>
      </main>
    </Shell>
  )
}

function Shell({ children }: { children: React.ReactNode }) {
  const { t, i18n } = useTranslation()
  const s = useSession()
  return (
    <>
      <a className="skip" href="#main">{t('skip')}</a>
      <header className="top">
        <span className="brand">{t('brand')}</span>
        {s.viewer && (
          <span className="who" data-testid="viewer">
            {s.viewer.name} · {t(`role.${s.viewer.role}`)}
            {s.viewer.partner && <> · {partnerName(s.viewer.partner)}</>}
          </span>
        )}
        <label className="lang">
          <span className="sr">{t('language')}</span>
          <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)} data-testid="language">
            {languages.map((l) => <option key={l} value={l}>{l === 'zh' ? '中文' : 'English'}</option>)}
          </select>
        </label>
        {s.token && <button type="button" onClick={s.signOut}>{t('signOut')}</button>}
      </header>
      {children}
    </>
  )
}
