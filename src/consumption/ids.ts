import { createHash } from 'node:crypto';

/**
 * The workflow id of a consumption, derived from the account and the caller's
 * idempotency key: a retried start finds the same workflow (and its answer).
 * Product services that start consumptions with the Temporal client use it too.
 */
export function consumptionWorkflowId(accountId: string, idempotencyKey: string): string {
  return `cons_${createHash('sha256').update(`${accountId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}
