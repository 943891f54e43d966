import { currencyExponent, formatAmount } from '../../money/amount.js';
import type { JournalLine } from '../journal.js';

/** One CSV field, quoted when it must be (RFC 4180). Leading =,+,-,@ are defused so a spreadsheet never runs them. */
export function csvField(value: string | null | undefined): string {
  let text = value ?? '';
  if (/^[=+\-@]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (fields: readonly (string | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`;

const money = (minor: bigint, currency: string) => formatAmount(minor, currencyExponent(currency));

/** The last day of the period, the date accounting systems book a month-end journal on. */
export function journalDate(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/**
 * QuickBooks Online journal-entry import: one journal per purchase currency
 * (QuickBooks journals are single-currency), with the exchange rate to the
 * home currency on every line.
 */
export function quickBooksCsv(period: string, lines: readonly JournalLine[]): string {
  let out = csvRow(['JournalNo', 'JournalDate', 'Currency', 'ExchangeRate', 'AccountName', 'Debits', 'Credits', 'Description', 'Name']);
  for (const l of lines) {
    out += csvRow([
      `BD-${period}-${l.currency}`,
      journalDate(period),
      l.currency,
      l.rate,
      `${l.accountCode} ${l.accountName}`,
      l.debit > 0n ? money(l.debit, l.currency) : '',
      l.credit > 0n ? money(l.credit, l.currency) : '',
      l.memo,
      l.lineId,
    ]);
  }
  return out;
}

/**
 * Xero manual-journal import: Xero journals are in the organisation's base
 * currency, so the reporting amounts are used (debits positive, credits
 * negative), one journal per purchase currency so each balances on its own.
 */
export function xeroCsv(period: string, lines: readonly JournalLine[]): string {
  let out = csvRow(['*Narration', '*Date', 'Description', '*AccountCode', '*TaxRate', '*Amount', 'TrackingName1', 'TrackingOption1']);
  for (const l of lines) {
    const amount = l.reportingDebit > 0n ? l.reportingDebit : -l.reportingCredit;
    out += csvRow([
      `Burndown ${period} ${l.currency}`,
      journalDate(period),
      `${l.memo} (${l.currency} at ${l.rate})`,
      l.accountCode,
      'Tax Exempt',
      money(amount, l.reportingCurrency),
      l.creditType ? 'Credit type' : '',
      l.creditType ?? '',
    ]);
  }
  return out;
}
