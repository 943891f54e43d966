import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { ConsumptionActivities } from '../../activities/consumption.js';
import {
  completeUpdate,
  consumptionStateQuery,
  QUANTITY_PATTERN,
  reservationUpdate,
  type Completion,
  type ConsumptionInput,
  type ConsumptionOutcome,
  type ProductExecuteActivities,
  type Reservation,
} from '../../src/contracts/consumption.js';
import { failureText, failureType } from '../failures.js';
import { ledgerActivity, ledgerLocalActivity, productExecuteActivity, reserveActivity, reserveLocalActivity } from '../presets.js';

type LedgerSteps = Pick<ConsumptionActivities, 'reserveConsumption' | 'commitConsumption' | 'releaseConsumption'>;

/** Histories recorded before this patch ran the ledger steps as activities; they replay that way. */
export const LOCAL_LEDGER_STEPS = 'consumption-local-ledger-steps';

/** The ledger steps as activities (each one an activity task and a workflow task more). */
const activitySteps: LedgerSteps = {
  reserveConsumption: proxyActivities<ConsumptionActivities>(reserveActivity).reserveConsumption,
  commitConsumption: proxyActivities<ConsumptionActivities>(ledgerActivity).commitConsumption,
  releaseConsumption: proxyActivities<ConsumptionActivities>(ledgerActivity).releaseConsumption,
};
/** The ledger steps as local activities: answered within the workflow task that needs them. */
const localSteps: LedgerSteps = {
  reserveConsumption: proxyLocalActivities<ConsumptionActivities>(reserveLocalActivity).reserveConsumption,
  commitConsumption: proxyLocalActivities<ConsumptionActivities>(ledgerLocalActivity).commitConsumption,
  releaseConsumption: proxyLocalActivities<ConsumptionActivities>(ledgerLocalActivity).releaseConsumption,
};
const { alertCompensationFailure } = proxyActivities<ConsumptionActivities>(ledgerActivity);

/** How long a reported consumption waits for its completion when the caller gives no timeout. */
export const DEFAULT_EXECUTE_TIMEOUT_SECONDS = 3600;

/** Reserve, turning every failure into an answer the caller can act on (the update must always resolve). */
async function reserve(steps: LedgerSteps, input: ConsumptionInput): Promise<Reservation> {
  try {
    return await steps.reserveConsumption(input);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const type = failureType(error);
    const invalid = type !== undefined && type !== 'ledger_unavailable';
    return {
      consumptionId: input.consumptionId,
      status: invalid ? 'invalid' : 'unavailable',
      ...(invalid && { code: type }),
      enforcementMode: 'enforce',
      failOpen: false,
      holdId: null,
      creditType: null,
      reserved: null,
      pricingVersion: null,
      reason: failureText(error),
    };
  }
}

/**
 * The consumption saga (R-C2, R-C3): reserve → execute → commit the actual
 * usage, or release on failure, cancellation or timeout.
 *
 * The caller learns "reserved" or "rejected" through the `reservation` update
 * (Update-with-Start). The hold has no TTL: it lives exactly as long as this
 * workflow and is released the moment the workflow fails, is cancelled or
 * times out. Every ledger write is idempotent by a key derived from the
 * workflow id and step, so a worker crash and replay never burns twice.
 * A failed compensation is alerted (outbox event) and fails the workflow.
 *
 * Reserve, commit and release run as local activities (LOCAL_LEDGER_STEPS):
 * a consumption then takes two workflow tasks, one per update, instead of
 * four plus two activity tasks (docs/PERFORMANCE.md, "Consumption sagas").
 */
export async function consumptionWorkflow(input: ConsumptionInput): Promise<ConsumptionOutcome> {
  // Decided in the first workflow task, before any command: a history has the patch marker from its start or never.
  const steps = patched(LOCAL_LEDGER_STEPS) ? localSteps : activitySteps;
  let reservation: Reservation | null = null;
  let completion: Completion | null = null;
  let outcome: ConsumptionOutcome | null = null;

  setHandler(reservationUpdate, async () => {
    await condition(() => reservation !== null);
    return reservation!;
  });
  setHandler(
    completeUpdate,
    async (reported) => {
      completion ??= reported;
      await condition(() => outcome !== null);
      return outcome!;
    },
    {
      validator: (reported) => {
        if (input.execute.mode !== 'report')
          throw new Error('This consumption runs its execute step as an activity; it cannot be completed by report.');
        if (reservation?.status !== 'reserved')
          throw new Error(`This consumption is not reserved (${reservation?.status ?? 'reserving'}).`);
        if ('actualQuantity' in reported && !QUANTITY_PATTERN.test(reported.actualQuantity)) {
          throw new Error(`actualQuantity "${reported.actualQuantity}" is not a non-negative decimal string.`);
        }
        if (completion !== null && JSON.stringify(completion) !== JSON.stringify(reported)) {
          throw new Error('This consumption was already completed with a different result.');
        }
      },
    },
  );
  setHandler(consumptionStateQuery, () => ({ input, reservation, completion, outcome }));

  try {
    reservation = await reserve(steps, input);
  } catch (error) {
    // Cancelled while reserving: a hold may exist. Reserve again (idempotent by key) to learn it, then release.
    await CancellationScope.nonCancellable(async () => {
      const made = await steps.reserveConsumption(input);
      if (made.status === 'reserved') await steps.releaseConsumption(input, made, 'cancelled');
    });
    throw error;
  }
  if (reservation.status !== 'reserved') {
    outcome = {
      consumptionId: input.consumptionId,
      status: reservation.status,
      burned: null,
      creditType: reservation.creditType,
      pricingVersion: reservation.pricingVersion,
      transactionIds: [],
      ...(reservation.reason !== undefined && { reason: reservation.reason }),
    };
    await condition(allHandlersFinished);
    return outcome;
  }
  const held: Reservation = reservation;

  // The compensation stack of this saga has one entry: release the hold.
  let compensationFailed = false;
  const compensate = async (reason: string): Promise<ConsumptionOutcome> => {
    try {
      return await steps.releaseConsumption(input, held, reason);
    } catch (error) {
      compensationFailed = true;
      log.error('consumption compensation failed', { consumptionId: input.consumptionId, holdId: held.holdId, error: failureText(error) });
      await alertCompensationFailure(input, held, failureText(error));
      outcome = {
        consumptionId: input.consumptionId,
        status: 'compensation_failed',
        burned: null,
        creditType: held.creditType,
        pricingVersion: held.pricingVersion,
        transactionIds: [],
        reason: `release failed after: ${reason}: ${failureText(error)}`,
      };
      throw ApplicationFailure.create({ message: outcome.reason!, type: 'compensation_failed', nonRetryable: true });
    }
  };

  try {
    const result = await execute(input, () => completion);
    outcome = 'failed' in result ? await compensate(result.reason) : await steps.commitConsumption(input, held, result.actualQuantity);
  } catch (error) {
    if (compensationFailed) throw error;
    if (isCancellation(error)) {
      outcome = await CancellationScope.nonCancellable(() => compensate('cancelled'));
      throw error;
    }
    outcome = await compensate(failureText(error));
  }
  await condition(allHandlersFinished);
  return outcome;
}

/** The product's step: its activity on its own task queue, or a completion reported back, within the timeout. */
async function execute(input: ConsumptionInput, reported: () => Completion | null): Promise<Completion> {
  const timeoutSeconds = input.execute.timeoutSeconds ?? DEFAULT_EXECUTE_TIMEOUT_SECONDS;
  if (input.execute.mode === 'activity') {
    const product = proxyActivities<ProductExecuteActivities>({
      ...productExecuteActivity,
      taskQueue: input.execute.taskQueue,
      startToCloseTimeout: `${timeoutSeconds} seconds`,
    });
    const { actualQuantity } = await product.executeConsumption({
      consumptionId: input.consumptionId,
      accountId: input.accountId,
      feature: input.feature,
      estimate: input.estimate,
      idempotencyKey: `${input.consumptionId}:execute`,
    });
    if (!QUANTITY_PATTERN.test(actualQuantity))
      return { failed: true, reason: `product returned an invalid actualQuantity "${actualQuantity}"` };
    return { actualQuantity };
  }
  const arrived = await condition(() => reported() !== null, `${timeoutSeconds} seconds`);
  if (!arrived) return { failed: true, reason: `timed out: no completion reported within ${timeoutSeconds} seconds` };
  const result = reported()!;
  return 'failed' in result ? { failed: true, reason: `product reported failure: ${result.reason}` } : result;
}
