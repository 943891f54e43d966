import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/audit.js';
import { sweepActivity } from '../presets.js';

const { applyDataRetention } = proxyActivities<AuditActivities>(sweepActivity);

/** Activity calls per run: a backlog larger than this is finished by the next scheduled runs, keeping each history short. */
const MAX_CALLS = 50;

/**
 * Applies the DATA_RETENTION_* windows (R-A4): usage-event payloads, expired
 * idempotency records, old outbox events with their webhook deliveries, and
 * audit-log source IPs. Started daily by the data-retention Schedule; each
 * activity call removes a bounded amount, in short transactions, so a retried
 * or overlapping call only finds less to do. Returns the totals removed.
 */
export async function dataRetentionWorkflow(): Promise<{
  usageEventProperties: number;
  idempotencyRecords: number;
  outboxEvents: number;
  webhookDeliveries: number;
  auditSourceIps: number;
  complete: boolean;
}> {
  const total = { usageEventProperties: 0, idempotencyRecords: 0, outboxEvents: 0, webhookDeliveries: 0, auditSourceIps: 0 };
  for (let call = 0; call < MAX_CALLS; call++) {
    const { more, ...removed } = await applyDataRetention();
    for (const kind of Object.keys(total) as (keyof typeof total)[]) total[kind] += removed[kind];
    if (!more) return { ...total, complete: true };
  }
  return { ...total, complete: false };
}
