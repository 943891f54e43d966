import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Named timeout and retry presets. Workflows pick one by name instead of
 * spelling out numbers, so the policy for a kind of step lives in one place.
 */

/** Ledger writes: fast, idempotent by key, retried until they land. */
export const ledgerActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Starting a grant's expiry timer from a workflow: a few tries, then the expiry sweep covers the grant. */
export const timerStartActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
};

/** Housekeeping sweeps that process a batch per call. */
export const sweepActivity: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};

/** One webhook delivery attempt: the endpoint's timeout plus database work; HTTP failures are results, not retries. */
export const webhookAttemptActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** The outbox relay step: a database transaction plus starting workflows / signalling; idempotent. */
export const relayActivity: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/**
 * HubSpot calls. 429 and 5xx are rethrown by the activity and retried here;
 * a 429 with Retry-After is rethrown as an ApplicationFailure with
 * nextRetryDelay, which overrides this backoff for that retry.
 */
export const hubspotActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 12 },
};

/** Consumption reserve: the caller waits for it synchronously, so a few quick tries, then LEDGER_UNAVAILABLE_POLICY decides. */
export const reserveActivity: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '1 second', maximumAttempts: 3 },
};

/**
 * The consumption saga's ledger steps as local activities: they run in the
 * worker that holds the workflow task and their results are recorded as
 * markers, so a step costs no activity task (no schedule/start/complete
 * events, no second workflow task). Same tries as their activity presets;
 * retries wait inside the worker (every backoff is under the 1-minute
 * localRetryThreshold). If the worker dies mid-step, the workflow task times
 * out and the step runs again on another worker, so each step must be (and
 * is) idempotent by its ledger key.
 */
export const reserveLocalActivity: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: reserveActivity.retry,
};

/** Commit and release of a consumption as local activities (see reserveLocalActivity): retried until they land. */
export const ledgerLocalActivity: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: ledgerActivity.retry,
};

/** A product's execute step on its own task queue: its own timeout (from the consumption), a few retries. */
export const productExecuteActivity: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/**
 * A Stripe call. Transient failures (429, 5xx, timeouts) are retried here with
 * the SAME idempotency key, so a charge that reached Stripe is never repeated;
 * declines are non-retryable and handled by the workflow's own schedule.
 */
export const stripeActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/** Month-end close steps: reading a month of ledger and posting to an accounting system take a while; retried patiently. */
export const financeActivity: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
};

/**
 * One batch of a bulk import: one database transaction of a few hundred rows.
 * The heartbeat timeout notices a dead worker quickly (the activity
 * heartbeats before its transaction); the retry takes the next pending rows.
 */
export const importBatchActivity: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A pricing simulation's rating: pages of events for up to a minute per call,
 * a heartbeat after each page (a dead worker is noticed in 30 s and the page
 * it held is rated again: each page commits with its cursor, so nothing
 * counts twice); a few tries, then the simulation is marked failed.
 */
export const simulationActivity: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};
