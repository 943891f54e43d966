import { Context } from '@temporalio/activity';
import { applyRetentionBatch, type RetentionResult, type RetentionWindows } from '../src/audit/data-retention.js';
import { writeLedgerAnchor } from '../src/audit/ledger-anchors.js';
import type { Database } from '../src/db/database.js';

/** Rows of each kind per retention batch: small enough that no lock is held for long. */
const RETENTION_BATCH = 5_000;
/** Batches per activity call: the workflow calls again while there is more, so one attempt stays well inside its timeout. */
const RETENTION_BATCHES_PER_CALL = 20;

/** What the audit activities need: the database, the clock and the anchor key (from the configuration, never the database). */
export interface AuditActivityDeps {
  db: Database;
  clock: () => Date;
  anchorKey: Buffer;
  /** DATA_RETENTION_* windows of the data-retention Schedule. */
  retention: RetentionWindows;
}

/** Audit activities; absent deps (a worker without the audit area) make them fail loudly, not silently skip. */
export function createAuditActivities(deps: { audit?: AuditActivityDeps | undefined }) {
  return {
    /** Anchors the heads of every chain that moved since its last anchor (issue 14, finding 13). */
    async anchorLedgerHeads(): Promise<{ anchorId: string; heads: number }> {
      if (!deps.audit) throw new Error('the audit area is not wired into this worker');
      return writeLedgerAnchor(deps.audit.db, deps.audit.anchorKey, deps.audit.clock());
    },

    /**
     * Applies the retention windows (R-A4) a batch at a time, heartbeating its
     * totals; `more` says the last batch was full, so the workflow calls again.
     */
    async applyDataRetention(): Promise<RetentionResult & { more: boolean }> {
      if (!deps.audit) throw new Error('the audit area is not wired into this worker');
      const { db, clock, retention } = deps.audit;
      const total: RetentionResult = {
        usageEventProperties: 0,
        idempotencyRecords: 0,
        outboxEvents: 0,
        webhookDeliveries: 0,
        auditSourceIps: 0,
      };
      for (let i = 0; i < RETENTION_BATCHES_PER_CALL; i++) {
        const batch = await applyRetentionBatch(db, clock(), retention, RETENTION_BATCH);
        for (const kind of Object.keys(total) as (keyof RetentionResult)[]) total[kind] += batch[kind];
        Context.current().heartbeat(total);
        if (Math.max(batch.usageEventProperties, batch.idempotencyRecords, batch.outboxEvents, batch.auditSourceIps) < RETENTION_BATCH) {
          return { ...total, more: false };
        }
      }
      return { ...total, more: true };
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
