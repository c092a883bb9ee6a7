// Chinese and English. The browser's language is the default; a choice
// made in the console is kept in localStorage.
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en } from './locales/en'
import { zh } from './locales/zh'

export const languages = ['zh', 'en'] as const
export type Language = (typeof languages)[number]

export function initialLanguage(): Language {
  const saved = localStorage.getItem('crucible.lang')
  if (saved === 'zh' || saved === 'en') return saved
  for (const l of navigator.languages ?? [navigator.language]) {
    if (l.toLowerCase().startsWith('zh')) return 'zh'
    if (l.toLowerCase().startsWith('en')) return 'en'
  }
  return 'en'
}

export function setLanguage(l: Language) {
  localStorage.setItem('crucible.lang', l)
  void i18n.changeLanguage(l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, zh: { translation: zh } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
})
document.documentElement.lang = i18n.language === 'zh' ? 'zh-CN' : 'en'

/** The locale for Intl formatting. */
export function locale(): string {
  return i18n.language === 'zh' ? 'zh-CN' : 'en-GB'
}

export function formatDate(d?: string | null): string {
  if (!d) return '—'
  const date = d.length === 10 ? new Date(d + 'T00:00:00Z') : new Date(d)
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: d.length === 10 ? 'UTC' : undefined }).format(date)
}

export function formatDateTime(d?: string | null): string {
  if (!d) return '—'
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d))
}

export function formatNumber(n?: number | null, digits = 0): string {
  if (n == null) return '—'
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)
}

/** A partner's name in the reader's language. */
export function partnerName(p?: { name: string; nameZh: string } | null): string {
  if (!p) return '—'
  return i18n.language === 'zh' && p.nameZh ? p.nameZh : p.name
}

export default i18n
