import type { Database } from '../db/database.js';
import { getBalances, getCreditType } from '../ledger/index.js';
import { parseAmount } from '../money/amount.js';
import type { Rating } from './pricing/rate.js';
import { storedRating } from './rating.js';

export interface ShadowInput {
  accountId: string;
  source: 'consumption' | 'usage_event';
  sourceId: string;
  /** reserve, commit, burn: one entry per step, idempotent on (source, sourceId, step). */
  step: string;
  rating: Rating & { costUnits: bigint };
  now: Date;
}

/**
 * Shadow mode (R-C8): records what enforcement would have done in
 * shadow_entries, never in the ledger, and never blocks. `wouldBlock` says
 * whether the real available balance was short of the cost at that moment.
 */
export async function recordShadowEntry(db: Database, input: ShadowInput): Promise<{ wouldBlock: boolean }> {
  const creditType = await getCreditType(db, input.rating.creditType);
  const balance = (await getBalances(db, input.accountId, input.now)).balances.find((b) => b.creditType === creditType.id);
  const available = balance ? parseAmount(balance.available, creditType.precision) : 0n;
  const wouldBlock = input.rating.costUnits > available;
  await db
    .insertInto('shadow_entries')
    .values({
      account_id: input.accountId,
      source: input.source,
      source_id: input.sourceId,
      step: input.step,
      credit_type: creditType.id,
      amount: input.rating.costUnits,
      available,
      would_block: wouldBlock,
      pricing_version: input.rating.pricingVersion,
      rating: storedRating(input.rating),
      feature: input.rating.feature,
      created_at: input.now,
    })
    .onConflict((oc) => oc.constraint('shadow_entries_step_uq').doNothing())
    .execute();
  return { wouldBlock };
}
