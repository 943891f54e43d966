import type { Database } from '../db/database.js';
import { parsePeriod } from '../finance/periods.js';
import { ValidationError } from '../errors.js';
import {
  accountMovements,
  burnByFeature,
  fromUnits,
  getCreditType,
  grantsExpiredIn,
  grantsIssuedIn,
  requireAccount,
  type PeriodGrant,
} from '../ledger/index.js';
import { formatMoney } from '../money/amount.js';
import { notBilledEvents, type NotBilledEvents } from './not-billed.js';

/**
 * A monthly statement (R-A2) of one account: per credit type, what it held at
 * the start of the month and at its end, and what moved in between
 * (opening + granted − burned − expired + adjustments = closing, adjustments
 * being refunds less voids), the grants issued and expired, what its usage
 * burned per feature and the purchases with their money. Months are UTC, as
 * month-end close's. Every amount is a decimal string at its credit type's
 * precision or its currency's exponent.
 */
export interface Statement {
  accountId: string;
  accountName: string;
  period: string;
  from: string;
  to: string;
  /** false while the month is still running: the closing is the balance so far. */
  complete: boolean;
  generatedAt: string;
  creditTypes: {
    creditType: string;
    name: string;
    opening: string;
    granted: string;
    burned: string;
    expired: string;
    refunded: string;
    voided: string;
    /** refunded − voided. */
    adjustments: string;
    closing: string;
  }[];
  grantsIssued: {
    id: string;
    creditType: string;
    source: string;
    amount: string;
    issuedAt: string;
    effectiveAt: string;
    expiresAt: string | null;
    reason: string | null;
  }[];
  grantsExpired: { id: string; creditType: string; source: string; expired: string; expiredAt: string }[];
  burnByFeature: { creditType: string; feature: string | null; burned: string; refunded: string; net: string }[];
  purchases: {
    grantId: string;
    creditType: string;
    credits: string;
    price: { amount: string; currency: string };
    purchasedAt: string;
    reference: string | null;
  }[];
  purchaseTotals: { amount: string; currency: string }[];
  /** Usage events that arrived this month and were never billed (late), with the late-event window that decides it. */
  notBilled: NotBilledEvents;
}

/**
 * The statement of `accountId` for the month `period` (YYYY-MM). A month that
 * has not started yet is a field error; the running month gives the
 * statement so far.
 */
export async function buildStatement(
  db: Database,
  accountId: string,
  periodId: string,
  now: Date,
  lateEventWindowDays: number,
): Promise<Statement> {
  const account = await requireAccount(db, accountId);
  const period = parsePeriod(periodId);
  if (period.start > now) {
    throw new ValidationError('The month has not started', [{ path: 'params.period', message: `${periodId} is in the future` }]);
  }
  const complete = period.end <= now;
  const to = complete ? period.end : now;
  const [movements, issued, expired, burns, notBilled] = await Promise.all([
    accountMovements(db, accountId, period.start, to),
    grantsIssuedIn(db, accountId, period.start, to),
    grantsExpiredIn(db, accountId, period.start, to),
    burnByFeature(db, accountId, period.start, to),
    notBilledEvents(db, accountId, { from: period.start, to }, lateEventWindowDays),
  ]);
  const creditTypeIds = new Set([...movements.map((m) => m.creditType), ...burns.map((b) => b.creditType)]);
  const creditTypes = new Map(await Promise.all([...creditTypeIds].map(async (id) => [id, await getCreditType(db, id)] as const)));
  const units = (creditType: string, value: bigint) => fromUnits(creditTypes.get(creditType)!, value);

  const purchases = issued.filter((g): g is PeriodGrant & { costBasisMinor: bigint; costBasisCurrency: string } => {
    return g.source === 'purchase' && g.costBasisMinor !== null && g.costBasisCurrency !== null;
  });
  const totals = new Map<string, bigint>();
  for (const p of purchases) totals.set(p.costBasisCurrency, (totals.get(p.costBasisCurrency) ?? 0n) + p.costBasisMinor);

  return {
    accountId,
    accountName: account.name,
    period: period.id,
    from: period.start.toISOString(),
    to: period.end.toISOString(),
    complete,
    generatedAt: now.toISOString(),
    creditTypes: movements.map((m) => {
      const u = (value: bigint) => units(m.creditType, value);
      // The closing as the entries recorded it; month-end close reports any chain where it is not the sum above.
      return {
        creditType: m.creditType,
        name: creditTypes.get(m.creditType)!.name,
        opening: u(m.opening),
        granted: u(m.granted),
        burned: u(m.burned),
        expired: u(m.expired),
        refunded: u(m.refunded),
        voided: u(m.voided),
        adjustments: u(m.refunded - m.voided),
        closing: u(m.closing),
      };
    }),
    grantsIssued: issued.map((g) => ({
      id: g.id,
      creditType: g.creditType,
      source: g.source,
      amount: units(g.creditType, g.amount),
      issuedAt: g.at.toISOString(),
      effectiveAt: g.effectiveAt.toISOString(),
      expiresAt: g.expiresAt?.toISOString() ?? null,
      reason: g.reason,
    })),
    grantsExpired: expired.map((g) => ({
      id: g.id,
      creditType: g.creditType,
      source: g.source,
      expired: units(g.creditType, g.amount),
      expiredAt: g.at.toISOString(),
    })),
    burnByFeature: burns.map((b) => ({
      creditType: b.creditType,
      feature: b.feature,
      burned: units(b.creditType, b.burned),
      refunded: units(b.creditType, b.refunded),
      net: units(b.creditType, b.burned - b.refunded),
    })),
    purchases: purchases.map((p) => ({
      grantId: p.id,
      creditType: p.creditType,
      credits: units(p.creditType, p.amount),
      price: formatMoney(p.costBasisMinor, p.costBasisCurrency),
      purchasedAt: p.at.toISOString(),
      reference: p.externalRef,
    })),
    purchaseTotals: [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, minor]) => formatMoney(minor, currency)),
    notBilled,
  };
}
