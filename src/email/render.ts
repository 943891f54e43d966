import type { EmailKind, EmailLocale } from './kinds.js';
import { templateLocale } from './kinds.js';

/**
 * What a template sees: the event's payload through accessors that format
 * for the recipient's locale. Amounts stay decimal strings end to end (they
 * are regrouped as text, never parsed into a JS number), and every value is
 * plain text: the renderer escapes it for the HTML part.
 */
export interface MailContext {
  locale: EmailLocale;
  accountName: string;
  eventType: string;
  /** A payload field as text ('' when absent). */
  text(path: string): string;
  /** A decimal-string payload field, grouped and with the locale's decimal mark: `1234.50` → `1,234.50` / `1.234,50`. */
  amount(path: string): string;
  /** A timestamp payload field as a date in the locale, in UTC. */
  date(path: string): string;
}

/** One mail of one kind in one language: a subject and paragraphs of plain text. */
export interface MailContent {
  subject: string;
  paragraphs: string[];
}

/** A template: one module per kind (src/email/templates/), a function per locale; `en` is the fallback. */
export type EmailTemplate = { kind: EmailKind } & { en: (m: MailContext) => MailContent } & Partial<
    Record<Exclude<EmailLocale, 'en'>, (m: MailContext) => MailContent>
  >;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  locale: EmailLocale;
}

const marks: Record<EmailLocale, { group: string; decimal: string }> = {
  en: { group: ',', decimal: '.' },
  de: { group: '.', decimal: ',' },
};

const footer: Record<EmailLocale, (account: string) => string> = {
  en: (account) => `You receive this mail as a billing contact of ${account}. You can turn off mails of this kind in your email settings.`,
  de: (account) =>
    `Sie erhalten diese E-Mail als Abrechnungskontakt von ${account}. Sie können E-Mails dieser Art in Ihren E-Mail-Einstellungen abbestellen.`,
};

/** Regroups a decimal string for a locale, digit by digit; refuses anything that is not a decimal. */
export function formatDecimal(value: string, locale: EmailLocale): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return value === '' ? '' : '?';
  const [, sign, whole, fraction] = match;
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, marks[locale].group);
  return `${sign}${grouped}${fraction === undefined ? '' : marks[locale].decimal + fraction}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function field(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

export function mailContext(input: { locale: string; accountName: string; eventType: string; data: unknown }): MailContext {
  const locale = templateLocale(input.locale);
  const text = (path: string) => {
    const value = field(input.data, path);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  };
  return {
    locale,
    accountName: input.accountName,
    eventType: input.eventType,
    text,
    amount: (path) => formatDecimal(text(path), locale),
    date: (path) => {
      const time = Date.parse(text(path));
      return Number.isNaN(time) ? '' : new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(time);
    },
  };
}

/** Renders a template for a recipient: the locale's version (or `en`), as text and as escaped HTML. */
export function renderMail(template: EmailTemplate, context: MailContext): RenderedMail {
  const localized = template[context.locale] ?? template.en;
  const locale = template[context.locale] ? context.locale : 'en';
  const content = localized(context);
  content.paragraphs.push(footer[locale](context.accountName));
  const text = `${content.paragraphs.join('\n\n')}\n`;
  const html = [
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5">',
    ...content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    '</body></html>',
  ].join('\n');
  return { subject: content.subject, text, html, locale };
}
