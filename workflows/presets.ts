import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Named timeout and retry presets. Workflows pick one by name instead of
 * spelling out numbers, so the policy for a kind of step lives in one place.
 */

/** Ledger writes: fast, idempotent by key, retried until they land. */
export const ledgerActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Housekeeping sweeps that process a batch per call. */
export const sweepActivity: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
