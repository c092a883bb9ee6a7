import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useSession } from '../session'

/** Sign-in: a token pasted once, or in demo mode a demo persona in one click. */
export function SignIn({ failed }: { failed: boolean }) {
  const { t } = useTranslation()
  const { signIn } = useSession()
  const [token, setToken] = useState('')
  const [personas, setPersonas] = useState<Record<string, string> | null>(null)
  useEffect(() => {
    fetch('/console/personas.json').then((r) => (r.ok ? r.json() : null)).then(setPersonas).catch(() => setPersonas(null))
  }, [])
  return (
    <main id="main" className="signin">
      <h1>{t('signin.title')}</h1>
      {failed && <p role="alert" className="error">{t('signin.failed')}</p>}
      <form onSubmit={(e) => { e.preventDefault(); if (token.trim()) signIn(token) }}>
        <label htmlFor="token">{t('signin.token')}</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)}
          placeholder="crc_…" aria-describedby="token-help" />
        <p id="token-help" className="help">{t('signin.help')}</p>
        <button type="submit">{t('signin.submit')}</button>
      </form>
      {personas && Object.keys(personas).length > 0 && (
        <section aria-labelledby="demo-h">
          <h2 id="demo-h">{t('signin.demo')}</h2>
          <ul className="personas">
            {Object.entries(personas).map(([key, tok]) => (
              <li key={key}>
                <button type="button" data-persona={key} onClick={() => signIn(tok)}>{t(`persona.${key}`, { defaultValue: key })}</button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  )
}
