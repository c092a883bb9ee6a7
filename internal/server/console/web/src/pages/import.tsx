import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useMutation } from 'urql'
import { graphql } from '../gql'
import type { ImportFormat, ImportKind } from '../gql/graphql'
import { formatNumber } from '../i18n'
import { Status } from '../ui'

const ImportDocument = graphql(`
  mutation ImportRecords($input: ImportInput!) {
    importRecords(input: $input) {
      report { read written rejected lines { line field reason } }
      userErrors { field code message }
    }
  }
`)

// The API takes requests up to 1 MiB; larger files go through the CLI.
const maxBytes = 1000 * 1000

/** CSV or JSON-lines import from the browser, with the CLI's line-by-line report. */
export function ImportPage() {
  const { t } = useTranslation()
  const [kind, setKind] = useState<ImportKind>('STUDENTS')
  const [file, setFile] = useState<{ name: string; text: string; size: number } | null>(null)
  const [skipInvalid, setSkipInvalid] = useState(false)
  const [res, run] = useMutation(ImportDocument)
  const format: ImportFormat = file && /\.(jsonl|ndjson|json)$/i.test(file.name) ? 'JSONL' : 'CSV'
  const tooBig = !!file && file.size > maxBytes
  const go = (checkOnly: boolean) => file && run({ input: { kind, format, content: file.text, skipInvalid, checkOnly } },
    { additionalTypenames: ['Student', 'Internship'] })
  const out = res.data?.importRecords
  return (
    <section aria-labelledby="import-h">
      <h1 id="import-h">{t('import.title')}</h1>
      <p className="help">{t('import.help')}</p>
      <form className="form" onSubmit={(e) => { e.preventDefault(); void go(false) }}>
        <div className="field">
          <label htmlFor="import-kind">{t('import.kind')}</label>
          <select id="import-kind" value={kind} onChange={(e) => setKind(e.target.value as ImportKind)}>
            <option value="STUDENTS">{t('import.students')}</option>
            <option value="INTERNSHIPS">{t('import.internships')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="import-file">{t('import.file')}</label>
          <input id="import-file" type="file" accept=".csv,.jsonl,.ndjson,.json,text/csv" aria-describedby="import-file-help"
            onChange={async (e) => {
              const f = e.target.files?.[0]
              setFile(f ? { name: f.name, size: f.size, text: await f.text() } : null)
            }} />
          <span id="import-file-help" className="help">{file ? `${file.name} · ${format} · ${formatNumber(file.size)} B` : t('import.formats')}</span>
          {tooBig && <span role="alert" className="field-error">{t('import.tooBig')}</span>}
        </div>
        <div className="field">
          <label><input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} /> {t('import.skipInvalid')}</label>
        </div>
        <button type="button" disabled={!file || tooBig || res.fetching} onClick={() => void go(true)} data-testid="import-check">{t('import.check')}</button>{' '}
        <button type="submit" disabled={!file || tooBig || res.fetching} data-testid="import-run">{t('import.run')}</button>
      </form>
      <Status fetching={res.fetching} error={res.error} />
      {out && (
        <div className="import-report" data-testid="import-report" aria-live="polite">
          {out.userErrors.map((u) => <p key={u.code + u.message} role="alert" className="error">{u.message}</p>)}
          {out.report && (
            <>
              <p data-testid="import-counts">{t('import.counts', { read: out.report.read, written: out.report.written, rejected: out.report.rejected })}</p>
              {out.report.lines.length > 0 && (
                <div className="table-wrap"><table className="list">
                  <thead><tr><th scope="col">{t('import.line')}</th><th scope="col">{t('import.field')}</th><th scope="col">{t('import.reason')}</th></tr></thead>
                  <tbody>
                    {out.report.lines.map((l) => <tr key={l.line}><td className="num">{l.line}</td><td><code>{l.field || '—'}</code></td><td>{l.reason}</td></tr>)}
                  </tbody>
                </table></div>
              )}
            </>
          )}
        </div>
      )}
    </section>
  )
}
