import { findHold, getCreditType } from '../ledger/index.js';
import { commitHold, createHold, deduct, releaseHold } from '../observability/measured-ledger.js';
import { ConflictError, InsufficientCreditsError } from '../errors.js';
import { formatAmount, parseAmount } from '../money/amount.js';
import { ratingSource, type Rating } from './pricing/rate.js';
import type { ConsumptionInput, ConsumptionOutcome, Reservation } from '../contracts/consumption.js';
import { effectiveMode } from './enforcement.js';
import { loadAccount, rateUsage, storedRating } from './rating.js';
import type { ConsumptionDeps } from './settings.js';
import { recordShadowEntry } from './shadow.js';
import { saveConsumption } from './store.js';

/**
 * The ledger side of the consumption saga (R-C2, R-C3), one function per step.
 * Each is safe to retry: ledger writes carry idempotency keys derived from the
 * consumption (workflow) id and the step, so a retried or replayed step never
 * burns twice.
 */

const stepKey = (input: ConsumptionInput, step: 'reserve' | 'commit' | 'excess' | 'release') => `${input.consumptionId}:${step}`;

function burnReason(input: ConsumptionInput, rating: Rating, what: string): string {
  return `consumption ${input.consumptionId} ${what}: ${rating.feature} x ${rating.quantity} at ${ratingSource(rating)}`;
}

/** Reserve: rate the estimate and, in enforce mode, hold the cost with no TTL (the workflow owns the hold's life). */
export async function reserveConsumption(deps: ConsumptionDeps, input: ConsumptionInput): Promise<Reservation> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  const account = await loadAccount(db, input.accountId);
  const mode = effectiveMode(account, deps.settings);
  const rating = await rateUsage(db, deps.catalog, { account, feature: input.feature, quantity: input.estimate, at: now });
  const base = {
    consumptionId: input.consumptionId,
    enforcementMode: mode,
    failOpen: false,
    holdId: null,
    creditType: rating.creditType,
    reserved: rating.cost,
    pricingVersion: rating.pricingVersion,
  };
  let reservation: Reservation = { ...base, status: 'reserved' };
  if (mode === 'enforce' && rating.costUnits > 0n) {
    try {
      const hold = await createHold(
        deps.ledger,
        {
          accountId: input.accountId,
          creditType: rating.creditType,
          amount: rating.cost,
          ttlSeconds: null,
          feature: input.feature,
          ownerRef: input.consumptionId,
        },
        {
          actor: input.actor,
          idempotencyKey: stepKey(input, 'reserve'),
          feature: input.feature,
          reason: burnReason(input, rating, 'reserve'),
        },
      );
      reservation = { ...base, status: 'reserved', holdId: hold.id };
    } catch (error) {
      if (!(error instanceof InsufficientCreditsError)) throw error;
      const { accountId, creditType, available, requested, shortfall } = error;
      reservation = {
        ...base,
        status: 'rejected',
        reserved: null,
        insufficient: { accountId, creditType, available, requested, shortfall },
        reason: 'insufficient_credits',
      };
    }
  } else if (mode === 'shadow') {
    await recordShadowEntry(db, {
      accountId: input.accountId,
      source: 'consumption',
      sourceId: input.consumptionId,
      step: 'reserve',
      rating,
      now,
    });
  }
  await saveConsumption(
    db,
    input,
    {
      status: reservation.status,
      enforcementMode: mode,
      pricingVersion: rating.pricingVersion,
      creditType: rating.creditType,
      reservedUnits: reservation.holdId ? rating.costUnits : null,
      holdId: reservation.holdId,
      reserveRating: storedRating(rating),
      failureReason: reservation.reason ?? null,
    },
    now,
  );
  return reservation;
}

/**
 * Commit: rate the actual quantity under the version the reservation used,
 * burn it from the hold (the rest of the hold is released). An actual cost
 * above the hold burns the excess by deduct (allowPartial, so up to the
 * overdraft limit); what even that cannot cover is named in the outcome.
 * Without a hold (fail-open) the whole cost is burned that way.
 */
export async function commitConsumption(
  deps: ConsumptionDeps,
  input: ConsumptionInput,
  reservation: Reservation,
  actualQuantity: string,
): Promise<ConsumptionOutcome> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  const account = await loadAccount(db, input.accountId);
  const rating = await rateUsage(db, deps.catalog, {
    account,
    feature: input.feature,
    quantity: actualQuantity,
    at: now,
    version: reservation.pricingVersion,
  });
  const creditType = await getCreditType(db, rating.creditType);
  const meta = (what: string) => ({ actor: input.actor, feature: input.feature, reason: burnReason(input, rating, what) });
  const transactionIds: string[] = [];
  let burned = 0n;
  let unpaid = 0n;
  // A fail-open reservation never reached the ledger: the mode is decided now.
  const mode = reservation.failOpen ? effectiveMode(account, deps.settings) : reservation.enforcementMode;
  if (mode === 'enforce') {
    let excess = rating.costUnits;
    if (reservation.holdId) {
      const held = (await findHold(db, reservation.holdId)).amount;
      const fromHold = excess < held ? excess : held;
      const closed = await commitHold(deps.ledger, reservation.holdId, formatAmount(fromHold, creditType.precision), {
        ...meta('commit'),
        idempotencyKey: stepKey(input, 'commit'),
      });
      if (closed.closedTransactionId) transactionIds.push(closed.closedTransactionId);
      burned += fromHold;
      excess -= fromHold;
    }
    if (excess > 0n) {
      try {
        const result = await deduct(
          deps.ledger,
          { accountId: input.accountId, creditType: creditType.id, amount: formatAmount(excess, creditType.precision), allowPartial: true },
          { ...meta('excess over hold'), idempotencyKey: stepKey(input, 'excess') },
        );
        transactionIds.push(result.transactionId);
        const deducted = parseAmount(result.deducted, creditType.precision);
        burned += deducted;
        unpaid = excess - deducted;
      } catch (error) {
        if (!(error instanceof InsufficientCreditsError)) throw error;
        unpaid = excess;
      }
    }
  } else if (mode === 'shadow') {
    await recordShadowEntry(db, {
      accountId: input.accountId,
      source: 'consumption',
      sourceId: input.consumptionId,
      step: 'commit',
      rating,
      now,
    });
  }
  const reason =
    unpaid > 0n
      ? `actual cost exceeded the hold and the overdraft limit: ${formatAmount(unpaid, creditType.precision)} not burned`
      : undefined;
  await saveConsumption(
    db,
    input,
    {
      status: 'completed',
      enforcementMode: mode,
      pricingVersion: rating.pricingVersion,
      creditType: creditType.id,
      actualQuantity,
      finalRating: storedRating(rating),
      burnedUnits: mode === 'enforce' ? burned : null,
      burnTransactionIds: transactionIds,
      failureReason: reason ?? null,
    },
    now,
  );
  return {
    consumptionId: input.consumptionId,
    status: 'completed',
    burned: mode === 'enforce' ? formatAmount(burned, creditType.precision) : null,
    creditType: creditType.id,
    pricingVersion: rating.pricingVersion,
    transactionIds,
    ...(reason && { reason }),
  };
}

/** Compensation: release the hold (idempotent: an already released hold is fine; a committed one is not). */
export async function releaseConsumption(
  deps: ConsumptionDeps,
  input: ConsumptionInput,
  reservation: Reservation,
  reason: string,
): Promise<ConsumptionOutcome> {
  const { db } = deps.ledger;
  const transactionIds: string[] = [];
  if (reservation.holdId) {
    try {
      const released = await releaseHold(deps.ledger, reservation.holdId, {
        actor: input.actor,
        idempotencyKey: stepKey(input, 'release'),
        feature: input.feature,
        reason: `consumption ${input.consumptionId} released: ${reason}`,
      });
      if (released.closedTransactionId) transactionIds.push(released.closedTransactionId);
    } catch (error) {
      const released =
        error instanceof ConflictError &&
        error.code === 'hold_not_active' &&
        (await findHold(db, reservation.holdId)).status === 'released';
      if (!released) throw error;
    }
  }
  await saveConsumption(
    db,
    input,
    { status: 'released', enforcementMode: reservation.enforcementMode, failureReason: reason },
    deps.ledger.clock(),
  );
  return {
    consumptionId: input.consumptionId,
    status: 'released',
    burned: null,
    creditType: reservation.creditType,
    pricingVersion: reservation.pricingVersion,
    transactionIds,
    reason,
  };
}
