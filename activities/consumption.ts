import { ApplicationFailure, Context } from '@temporalio/activity';
import { isLedgerUnreachable } from '../src/consumption/failures.js';
import { commitConsumption, releaseConsumption, reserveConsumption } from '../src/consumption/saga-steps.js';
import type { ConsumptionDeps } from '../src/consumption/settings.js';
import { saveConsumption } from '../src/consumption/store.js';
import { burnPendingEvents, type MeteringResult } from '../src/consumption/usage-events/metering.js';
import { writeOutboxEvent } from '../src/outbox/outbox.js';
import type { ConsumptionInput, ConsumptionOutcome, Reservation } from '../src/contracts/consumption.js';
import { configured, toActivityFailure } from './failures.js';

/** After this many failed attempts to reach the ledger, reserve applies LEDGER_UNAVAILABLE_POLICY. */
export const RESERVE_ATTEMPTS_BEFORE_POLICY = 3;

const requireDeps = (deps: { consumption?: ConsumptionDeps | undefined }) => configured(deps.consumption, 'consumption');

/** The consumption activities: each step of the saga (src/consumption/saga-steps.ts), and metering of usage events. */
export function createConsumptionActivities(deps: { consumption?: ConsumptionDeps | undefined }) {
  return {
    async reserveConsumption(input: ConsumptionInput): Promise<Reservation> {
      const c = requireDeps(deps);
      try {
        return await reserveConsumption(c, input);
      } catch (error) {
        if (isLedgerUnreachable(error) && Context.current().info.attempt >= RESERVE_ATTEMPTS_BEFORE_POLICY) {
          if (c.settings.ledgerUnavailablePolicy === 'fail_open') {
            Context.current().log.warn('ledger unreachable at reserve: failing open', { consumptionId: input.consumptionId });
            return {
              consumptionId: input.consumptionId,
              status: 'reserved',
              enforcementMode: c.settings.enforcementMode,
              failOpen: true,
              holdId: null,
              creditType: null,
              reserved: null,
              pricingVersion: null,
              reason: 'ledger_unavailable',
            };
          }
          throw ApplicationFailure.create({
            message: 'The ledger is unreachable (LEDGER_UNAVAILABLE_POLICY=fail_closed)',
            type: 'ledger_unavailable',
            nonRetryable: true,
          });
        }
        return toActivityFailure(error);
      }
    },

    async commitConsumption(input: ConsumptionInput, reservation: Reservation, actualQuantity: string): Promise<ConsumptionOutcome> {
      return commitConsumption(requireDeps(deps), input, reservation, actualQuantity).catch((error: unknown) => toActivityFailure(error));
    },

    async releaseConsumption(input: ConsumptionInput, reservation: Reservation, reason: string): Promise<ConsumptionOutcome> {
      return releaseConsumption(requireDeps(deps), input, reservation, reason).catch((error: unknown) => toActivityFailure(error));
    },

    /** Compensation failed: an alert (outbox event, delivered by notifications) and the row marked, in one transaction. */
    async alertCompensationFailure(input: ConsumptionInput, reservation: Reservation, error: string): Promise<void> {
      const c = requireDeps(deps);
      const now = c.ledger.clock();
      Context.current().log.error('consumption compensation failed', {
        consumptionId: input.consumptionId,
        holdId: reservation.holdId,
        error,
      });
      await c.ledger.db.transaction().execute(async (tx) => {
        await writeOutboxEvent(tx, {
          id: `consumption.compensation_failed:${input.consumptionId}`,
          accountId: input.accountId,
          type: 'consumption.compensation_failed',
          payload: { consumptionId: input.consumptionId, holdId: reservation.holdId, error },
          occurredAt: now,
        });
      });
      await saveConsumption(
        c.ledger.db,
        input,
        { status: 'compensation_failed', enforcementMode: reservation.enforcementMode, failureReason: error },
        now,
      );
    },

    /** Metering: burn a batch of pending usage events (R-C4). */
    async burnPendingUsageEvents(limit: number): Promise<MeteringResult> {
      return burnPendingEvents(requireDeps(deps), limit);
    },
  };
}

export type ConsumptionActivities = ReturnType<typeof createConsumptionActivities>;
