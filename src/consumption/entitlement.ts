import { sql } from 'kysely';
import { NotFoundError, ValidationError } from '../errors.js';
import { getCreditType, spendingRoom, type SpendingRoomRow } from '../ledger/index.js';
import { formatAmount } from '../money/amount.js';
import { effectiveMode } from './enforcement.js';
import type { PricingCatalog } from './pricing/catalog.js';
import { pendingUsageOf, type PendingUsageView } from './pending-usage.js';
import { parseOverrides } from './pricing/override-store.js';
import { rateUsage, type RatedAccount } from './rating.js';
import type { ConsumptionDeps, EnforcementMode } from './settings.js';

export type EntitlementReason = 'within_balance' | 'within_overdraft' | 'insufficient_credits' | 'shadow_would_block' | 'enforcement_off';

export interface Entitlement {
  allowed: boolean;
  /** What `quantity` of the feature costs this account now, at its credit type's precision. */
  cost: string;
  creditType: string;
  /** The balance's available (negative in overdraft). */
  available: string;
  reason: EntitlementReason;
  /** What is missing when not allowed (or when shadow mode lets it through), else null. */
  shortfall: string | null;
  accountId: string;
  feature: string;
  quantity: string;
  enforcementMode: EnforcementMode;
  pricingVersion: string;
  rule: string;
  cohort: string | null;
  override: string | null;
}

/** Every credit type any version or cohort prices the feature in (overrides keep the rule's). */
function creditTypesOf(catalog: PricingCatalog, feature: string): string[] {
  const types = new Set<string>();
  for (const version of catalog.versions) {
    const rule = version.features[feature];
    if (rule) types.add(rule.creditType);
    for (const rules of Object.values(version.cohorts)) if (rules[feature]) types.add(rules[feature].creditType);
  }
  return [...types];
}

function judge(mode: EnforcementMode, cost: bigint, room: { available: bigint; room: bigint }): EntitlementReason {
  if (mode === 'off') return 'enforcement_off';
  const verdict = cost <= room.available ? 'within_balance' : cost <= room.room ? 'within_overdraft' : 'insufficient_credits';
  return mode === 'shadow' && verdict === 'insufficient_credits' ? 'shadow_would_block' : verdict;
}

/**
 * May this account use `quantity` of a feature now? (issue 18, pattern B.)
 * Priced as a consumption would be (its pricing version, cohort and price
 * override, rateUsage), judged as a deduct would be (the spendable grants of
 * it and its pool, its overdraft limit) under its enforcement mode. Nothing is
 * written, and it is one SQL statement: the account, its overrides, its
 * spending room and its usage not yet burned (pendingUsage) are read together (pricing rules and credit types are in
 * memory). It answers for this instant: a deduct a moment later may still 402.
 */
export async function checkEntitlement(deps: ConsumptionDeps, accountId: string, feature: string, quantity: string): Promise<Entitlement> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  const creditTypes = creditTypesOf(deps.catalog, feature);
  if (creditTypes.length === 0) {
    throw new ValidationError('Unknown feature', [
      { path: 'feature', message: `no pricing version has a rule for feature ${feature}`, code: 'unknown_feature' },
    ]);
  }
  // One call: the account, its overrides, its spending room and its usage not yet burned (migrations/…T141200_entitlement_view).
  const { rows } = await sql<{
    view:
      | (Omit<RatedAccount, 'overrides'> & {
          overrides: Parameters<typeof parseOverrides>[0];
          room: SpendingRoomRow[];
          pending: PendingUsageView | null;
        })
      | null;
  }>`select usage_entitlement_view(${accountId}, ${creditTypes}::text[], ${now}) as view`.execute(db);
  const row = rows[0]!.view;
  if (!row) throw new NotFoundError('account', accountId);
  const account: RatedAccount = { ...row, overrides: parseOverrides(row.overrides) };
  const rating = await rateUsage(db, deps.catalog, { account, feature, quantity, at: now });
  const mode = effectiveMode(account, deps.settings);
  // Usage accepted but not yet burned is spent already (issue 18): judged against available minus it.
  const pendingUsage = (await pendingUsageOf(db, deps.catalog, row.pending)).get(rating.creditType) ?? 0n;
  const balance = spendingRoom(row.room, rating.creditType);
  const room = { available: balance.available - pendingUsage, room: balance.room - pendingUsage };
  const reason = judge(mode, rating.costUnits, room);
  const { precision } = await getCreditType(db, rating.creditType); // cached since rateUsage: no statement
  const short = rating.costUnits - room.room;
  return {
    allowed: reason !== 'insufficient_credits',
    cost: rating.cost,
    creditType: rating.creditType,
    available: formatAmount(balance.available, precision),
    reason,
    shortfall: mode !== 'off' && short > 0n ? formatAmount(short, precision) : null,
    accountId,
    feature,
    quantity,
    enforcementMode: mode,
    pricingVersion: rating.pricingVersion,
    rule: rating.rule,
    cohort: rating.cohort,
    override: rating.override,
  };
}
