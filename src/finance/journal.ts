import type { AccountRole, ChartOfAccounts } from './chart.js';
import { convertMinor } from './fx.js';
import type { RevenueReport } from './revenue.js';

/** One line of the month-end journal. Amounts are minor units of `currency`; the reporting amounts were converted at `rate`. */
export interface JournalLine {
  lineId: string;
  position: number;
  entryKind: 'sale' | 'recognition' | 'breakage' | 'reversal';
  accountCode: string;
  accountName: string;
  currency: string;
  debit: bigint;
  credit: bigint;
  reportingCurrency: string;
  rate: string;
  reportingDebit: bigint;
  reportingCredit: bigint;
  creditType: string | null;
  feature: string | null;
  memo: string;
}

export class MissingRateError extends Error {
  constructor(
    readonly period: string,
    readonly currency: string,
  ) {
    super(`No ${currency} rate for ${period}: set one in the FX rates file or with PUT /v1/finance/periods/${period}/fx-rates`);
    this.name = 'MissingRateError';
  }
}

/**
 * The balanced double-entry journal of a period (R-I3), in each purchase
 * currency: sales into deferred revenue, and deferred revenue out to usage
 * revenue (by credit type and feature), breakage and sales reversals. Each
 * pair is converted once, so debits equal credits per currency and in the
 * reporting currency too. Line ids are stable for the same report, which is
 * what makes posting idempotent by (period, line id).
 */
export function buildJournal(report: RevenueReport, chart: ChartOfAccounts, rates: Readonly<Record<string, string>>): JournalLine[] {
  const lines: JournalLine[] = [];
  const reporting = chart.reportingCurrency;
  const rateOf = (currency: string) => {
    if (currency === reporting) return '1';
    const rate = rates[currency];
    if (!rate) throw new MissingRateError(report.period, currency);
    return rate;
  };
  const pair = (
    kind: JournalLine['entryKind'],
    currency: string,
    creditType: string | null,
    feature: string | null,
    amount: bigint,
    debitRole: AccountRole,
    creditRole: AccountRole,
    memo: string,
  ) => {
    if (amount === 0n) return;
    // A net negative movement (more credit refunds than burns) reverses the sides.
    const [dr, cr, value] = amount > 0n ? [debitRole, creditRole, amount] : [creditRole, debitRole, -amount];
    const rate = rateOf(currency);
    const converted = convertMinor(value, currency, reporting, rate);
    const base = `${kind}:${currency}:${creditType ?? '-'}:${feature ?? '-'}`;
    for (const [side, role] of [
      ['dr', dr],
      ['cr', cr],
    ] as const) {
      const account = chart.accounts[role];
      lines.push({
        lineId: `${base}:${side}`,
        position: lines.length,
        entryKind: kind,
        accountCode: account.code,
        accountName: account.name,
        currency,
        debit: side === 'dr' ? value : 0n,
        credit: side === 'cr' ? value : 0n,
        reportingCurrency: reporting,
        rate,
        reportingDebit: side === 'dr' ? converted : 0n,
        reportingCredit: side === 'cr' ? converted : 0n,
        creditType,
        feature,
        memo: `${report.period} ${memo}`,
      });
    }
  };

  for (const totals of report.currencies) {
    pair('sale', totals.currency, null, null, totals.sold, 'salesClearing', 'deferredRevenue', 'credits sold');
  }
  for (const m of report.movements) {
    const where = `${m.creditType}${m.feature ? ` / ${m.feature}` : ''}`;
    if (m.bucket === 'recognized') {
      pair('recognition', m.currency, m.creditType, m.feature, m.amount, 'deferredRevenue', 'usageRevenue', `usage ${where}`);
    } else if (m.bucket === 'breakage') {
      pair('breakage', m.currency, m.creditType, null, m.amount, 'deferredRevenue', 'breakageRevenue', `breakage ${where}`);
    } else {
      pair('reversal', m.currency, m.creditType, null, m.amount, 'deferredRevenue', 'salesReversals', `voided ${where}`);
    }
  }
  return lines;
}

export interface JournalBalance {
  currency: string;
  debits: bigint;
  credits: bigint;
}

/** Debits and credits summed per currency. */
export function sumByCurrency(rows: Iterable<{ currency: string; debit: bigint; credit: bigint }>): JournalBalance[] {
  const sums = new Map<string, JournalBalance>();
  for (const r of rows) {
    const s = sums.get(r.currency) ?? { currency: r.currency, debits: 0n, credits: 0n };
    s.debits += r.debit;
    s.credits += r.credit;
    sums.set(r.currency, s);
  }
  return [...sums.values()];
}

/** Debits and credits per purchase currency, then in the reporting currency. */
export function journalBalances(lines: readonly JournalLine[]): JournalBalance[] {
  const reporting = sumByCurrency(
    lines.map((l) => ({ currency: `${l.reportingCurrency} (reporting)`, debit: l.reportingDebit, credit: l.reportingCredit })),
  );
  return [...sumByCurrency(lines), ...reporting];
}

export function isBalanced(lines: readonly JournalLine[]): boolean {
  return journalBalances(lines).every((b) => b.debits === b.credits);
}
