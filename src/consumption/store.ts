import type { Database } from '../db/database.js';
import type { ConsumptionStatus, ExecuteMode } from '../db/schema-consumption.js';
import type { ConsumptionInput } from '../contracts/consumption.js';

export interface ConsumptionRowPatch {
  status: ConsumptionStatus;
  enforcementMode: string;
  pricingVersion?: string | null;
  creditType?: string | null;
  reservedUnits?: bigint | null;
  holdId?: string | null;
  reserveRating?: string | null;
  actualQuantity?: string | null;
  finalRating?: string | null;
  burnedUnits?: bigint | null;
  burnTransactionIds?: string[];
  failureReason?: string | null;
}

/**
 * The consumption read model: written by the saga's activities after each
 * step (the workflow is the source of truth; this row is what GET and the
 * trace read after the workflow's history is gone). Upsert, so a retried step
 * and a fail-open reserve that could not reach the database both end right.
 */
export async function saveConsumption(db: Database, input: ConsumptionInput, patch: ConsumptionRowPatch, now: Date): Promise<void> {
  const values = {
    status: patch.status,
    enforcement_mode: patch.enforcementMode,
    ...(patch.pricingVersion !== undefined && { pricing_version: patch.pricingVersion }),
    ...(patch.creditType !== undefined && { credit_type: patch.creditType }),
    ...(patch.reservedUnits !== undefined && { reserved_amount: patch.reservedUnits }),
    ...(patch.holdId !== undefined && { hold_id: patch.holdId }),
    ...(patch.reserveRating !== undefined && { reserve_rating: patch.reserveRating }),
    ...(patch.actualQuantity !== undefined && { actual_quantity: patch.actualQuantity }),
    ...(patch.finalRating !== undefined && { final_rating: patch.finalRating }),
    ...(patch.burnedUnits !== undefined && { burned_amount: patch.burnedUnits }),
    ...(patch.burnTransactionIds !== undefined && { burn_transaction_ids: patch.burnTransactionIds }),
    ...(patch.failureReason !== undefined && { failure_reason: patch.failureReason }),
    updated_at: now,
  };
  await db
    .insertInto('consumptions')
    .values({
      id: input.consumptionId,
      account_id: input.accountId,
      feature: input.feature,
      idempotency_key: input.idempotencyKey,
      estimate: input.estimate,
      execute_mode: input.execute.mode satisfies ExecuteMode,
      created_at: now,
      ...values,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}
