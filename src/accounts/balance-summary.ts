import type { Database } from '../db/database.js';
import { fromUnits, getBalances, getCreditType, toUnits } from '../ledger/index.js';
import { divideRounded } from '../money/amount.js';
import { netBurned } from './usage-rollups.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface CreditTypeSummary {
  creditType: string;
  name: string;
  precision: number;
  available: string;
  held: string;
  pending: string;
  overdraftUsed: string;
  /** Spendable credits that expire, summed per expiry instant, soonest first. */
  expiring: { expiresAt: string; amount: string }[];
  neverExpiring: string;
  /** Net credits burned per day (burned − refunded), half-even to the credit type's smallest unit. */
  burnRate: { perDay7d: string; perDay30d: string };
  /** When `available` runs out at the 7-day rate (the 30-day rate when nothing burned in 7 days), to the hour; null when nothing burns or nothing is left. */
  depletesAt: string | null;
}

export interface BalanceSummary {
  accountId: string;
  balances: CreditTypeSummary[];
}

/**
 * The wallet's balance view in one answer: balances, expiring credits apart,
 * burn rates and the forecast depletion date. Nothing in it names the
 * instant it was computed (rates use whole hours), so the body, and with it
 * Express's ETag, changes only when the account does: a wallet polling with
 * If-None-Match mostly gets 304s.
 */
export async function balanceSummary(db: Database, accountId: string, now: Date): Promise<BalanceSummary> {
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const [balance, rates] = await Promise.all([getBalances(db, accountId, now), netBurned(db, accountId, hour)]);
  const balances: CreditTypeSummary[] = [];
  for (const b of balance.balances) {
    const ct = await getCreditType(db, b.creditType);
    const units = (text: string) =>
      text.startsWith('-') ? -toUnits(ct, text.slice(1), 'amount', { allowZero: true }) : toUnits(ct, text, 'amount', { allowZero: true });
    const expiring = new Map<string, bigint>();
    let never = 0n;
    for (const g of b.grants) {
      if (!g.spendable) continue;
      if (g.expiresAt === null) never += units(g.remaining);
      else expiring.set(g.expiresAt, (expiring.get(g.expiresAt) ?? 0n) + units(g.remaining));
    }
    const burned = rates.get(b.creditType) ?? { d7: 0n, d30: 0n };
    const available = units(b.available);
    const depletesAt = forecastDepletion(available, burned, hour);
    balances.push({
      creditType: b.creditType,
      name: ct.name,
      precision: ct.precision,
      available: b.available,
      held: b.held,
      pending: b.pending,
      overdraftUsed: b.overdraftUsed,
      expiring: [...expiring.entries()]
        .sort(([a], [z]) => (a < z ? -1 : 1))
        .map(([expiresAt, amount]) => ({ expiresAt, amount: fromUnits(ct, amount) })),
      neverExpiring: fromUnits(ct, never),
      burnRate: {
        perDay7d: fromUnits(ct, divideRounded(burned.d7 > 0n ? burned.d7 : 0n, 7n, 'half_even')),
        perDay30d: fromUnits(ct, divideRounded(burned.d30 > 0n ? burned.d30 : 0n, 30n, 'half_even')),
      },
      depletesAt: depletesAt?.toISOString() ?? null,
    });
  }
  return { accountId, balances };
}

const HORIZON_MS = 10n * 366n * BigInt(DAY_MS);

/** available ÷ (net burned per day), from the start of this hour, rounded down to the hour; null beyond ten years. */
function forecastDepletion(available: bigint, burned: { d7: bigint; d30: bigint }, hour: Date): Date | null {
  const [days, net] = burned.d7 > 0n ? [7n, burned.d7] : [30n, burned.d30];
  if (net <= 0n || available <= 0n) return null;
  const inMs = divideRounded(available * days * BigInt(DAY_MS), net, 'down');
  if (inMs > HORIZON_MS) return null;
  const hoursAhead = inMs / BigInt(HOUR_MS);
  return new Date(hour.getTime() + Number(hoursAhead) * HOUR_MS);
}
