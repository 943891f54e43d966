import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import { DomainError } from '../errors.js';
import type { PricingCatalog } from './pricing/catalog.js';
import { parseOverrides, type OverrideJson } from './pricing/override-store.js';
import { rateUsage, type RatedAccount } from './rating.js';

/**
 * usage_pending_view's answer (migrations/2026-11-30T141100_usage_pending_view.ts):
 * null when the account has no usage event accepted and not yet burned.
 */
export interface PendingUsageView {
  account: Omit<RatedAccount, 'overrides'>;
  overrides: OverrideJson[];
  /** [credit type, Σ cost] of the rated ones (awaiting funds), int8 as text. */
  rated: [string, string][];
  /** [feature, quantity, events, latest event time] of the unrated ones (pending metering). */
  unrated: [string, string, number, string][];
}

/** The sub-select a balance read or an entitlement check adds to its own statement (one round trip). */
export function pendingUsageSql(accountId: string | RawBuilder<unknown>): RawBuilder<PendingUsageView | null> {
  return sql<PendingUsageView | null>`usage_pending_view(${accountId})`;
}

/**
 * pendingUsage (issue 18): what the account's accepted, not yet burned usage
 * events will cost, per credit type, in smallest units. Events metering has
 * rated count at their rating; the others are rated here as metering will
 * rate them (rateUsage: the account's pricing version, cohort and overrides,
 * the version in force at the group's latest event time), one rating per
 * (feature, quantity) group times its events. An event no rule prices counts
 * nothing (metering will fail it, not burn it). Whatever the account's
 * enforcement mode: the events are spent usage until metering settles them.
 */
export async function pendingUsageOf(db: Database, catalog: PricingCatalog, view: PendingUsageView | null): Promise<Map<string, bigint>> {
  const pending = new Map<string, bigint>();
  if (view === null) return pending;
  const add = (creditType: string, units: bigint) => pending.set(creditType, (pending.get(creditType) ?? 0n) + units);
  for (const [creditType, cost] of view.rated) add(creditType, BigInt(cost));
  const account: RatedAccount = { ...view.account, overrides: parseOverrides(view.overrides) };
  for (const [feature, quantity, events, at] of view.unrated) {
    try {
      const rating = await rateUsage(db, catalog, { account, feature, quantity, at: new Date(at) });
      add(rating.creditType, rating.costUnits * BigInt(events));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return pending;
}
