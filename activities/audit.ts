import { writeLedgerAnchor } from '../src/audit/ledger-anchors.js';
import type { Database } from '../src/db/database.js';

/** What the audit activities need: the database, the clock and the anchor key (from the configuration, never the database). */
export interface AuditActivityDeps {
  db: Database;
  clock: () => Date;
  anchorKey: Buffer;
}

/** Audit activities; absent deps (a worker without the audit area) make them fail loudly, not silently skip. */
export function createAuditActivities(deps: { audit?: AuditActivityDeps | undefined }) {
  return {
    /** Anchors the heads of every chain that moved since its last anchor (issue 14, finding 13). */
    async anchorLedgerHeads(): Promise<{ anchorId: string; heads: number }> {
      if (!deps.audit) throw new Error('the audit area is not wired into this worker');
      return writeLedgerAnchor(deps.audit.db, deps.audit.anchorKey, deps.audit.clock());
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
