/**
 * Locale-aware display of exact amounts. Credits and money arrive as decimal
 * strings and are formatted as strings (Intl.NumberFormat formats a decimal
 * string exactly); nothing here does arithmetic on them.
 */
export function defaultLocale(): string {
  return navigator.language || 'en';
}

export function formatCredits(amount: string, locale: string, precision = 9): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: Math.min(precision, 9) }).format(amount as Intl.StringNumericLiteral);
}

export function formatMoney(amount: string, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount as Intl.StringNumericLiteral);
}

export function formatDate(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...(timeZone && { timeZone }) }).format(new Date(iso));
}

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Negative decimal strings start with "-"; no parsing into a float needed to tell. */
export const isNegative = (amount: string) => amount.startsWith('-');
export const isZero = (amount: string) => /^-?0*(\.0*)?$/.test(amount);
