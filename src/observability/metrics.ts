import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric of a Burndown process, in one registry (R-O1).
 * Instruments are module-level so the code that counts (API middleware, the
 * services that call the ledger, activities) imports them directly; the
 * gauges read from the database at scrape time are in state-gauges.ts; the
 * registry is served by src/observability/metrics-server.ts. The names are
 * the contract of deploy/prometheus/alerts.yml and deploy/grafana/burndown.json
 * (test/observability/metrics-coverage.test.ts keeps them in step).
 */
export const registry = new Registry();

// Node's own: CPU, memory, event-loop lag, GC (process_*, nodejs_*).
collectDefaultMetrics({ register: registry });

/** Seconds; from 1 ms to 10 s, where the API's budgets lie. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Lock waits are usually far below a millisecond; the tail is what matters. */
const LOCK_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export const httpRequestDuration = new Histogram({
  name: 'burndown_http_request_duration_seconds',
  help: 'HTTP requests by method, route template (never the raw URL) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const paymentRequiredResponses = new Counter({
  name: 'burndown_http_payment_required_total',
  help: '402 answers (not enough credits), by route template.',
  labelNames: ['route'] as const,
  registers: [registry],
});

export const idempotentReplays = new Counter({
  name: 'burndown_idempotent_replays_total',
  help: 'Responses replayed for a repeated Idempotency-Key, by route template.',
  labelNames: ['route'] as const,
  registers: [registry],
});

export const ledgerOperations = new Counter({
  name: 'burndown_ledger_operations_total',
  help: 'Ledger operations by operation and outcome (ok, insufficient_credits, conflict, not_found, invalid, error).',
  labelNames: ['operation', 'outcome'] as const,
  registers: [registry],
});

export const ledgerOperationDuration = new Histogram({
  name: 'burndown_ledger_operation_duration_seconds',
  help: 'Latency of ledger operations, as their callers see it (transaction, retries and observers included).',
  labelNames: ['operation'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const lockWait = new Histogram({
  name: 'burndown_lock_wait_seconds',
  help: 'Time spent in the statements that take locks: row locks (SELECT … FOR UPDATE) by table, and the ledger idempotency advisory lock.',
  labelNames: ['lock'] as const,
  buckets: LOCK_BUCKETS,
  registers: [registry],
});

export const webhookDeliveryFailures = new Counter({
  name: 'burndown_webhook_delivery_failures_total',
  help: 'Failed attempts to deliver a customer webhook (non-2xx answer, timeout, refused address).',
  registers: [registry],
});

export const webhookDeadLettered = new Counter({
  name: 'burndown_webhook_dead_lettered_total',
  help: 'Webhook deliveries moved to the dead-letter list after their last attempt.',
  registers: [registry],
});

export const rechargeOutcomes = new Counter({
  name: 'burndown_recharge_outcomes_total',
  help: 'Auto-recharge charge attempts by outcome (succeeded, processing, requires_action, declined, no_payment_method, error, gave_up).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** The registry in the Prometheus text format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}
