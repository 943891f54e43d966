import { currencyExponent, formatAmount } from '../../money/amount.js';
import type { JournalLine } from '../journal.js';

/** A journal line as JSON: minor units as strings (exact) and formatted amounts beside them. */
export function journalLineJson(l: JournalLine) {
  const fmt = (minor: bigint, currency: string) => formatAmount(minor, currencyExponent(currency));
  return {
    lineId: l.lineId,
    position: l.position,
    entryKind: l.entryKind,
    accountCode: l.accountCode,
    accountName: l.accountName,
    currency: l.currency,
    debit: fmt(l.debit, l.currency),
    credit: fmt(l.credit, l.currency),
    debitMinor: l.debit.toString(),
    creditMinor: l.credit.toString(),
    reportingCurrency: l.reportingCurrency,
    rate: l.rate,
    reportingDebit: fmt(l.reportingDebit, l.reportingCurrency),
    reportingCredit: fmt(l.reportingCredit, l.reportingCurrency),
    creditType: l.creditType,
    feature: l.feature,
    memo: l.memo,
  };
}

export function journalJson(period: string, lines: readonly JournalLine[]) {
  return { period, lines: lines.map(journalLineJson) };
}
