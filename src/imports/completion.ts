import { writeAudit } from '../audit/audit-log.js';
import type { ImportProgress } from '../contracts/imports.js';
import type { LedgerDeps } from '../ledger/index.js';
import { progressOf } from './batch.js';
import { findImport, finishImport } from './store.js';

/** Ends an import whose rows are all processed, with its audit record (import.complete) in the same transaction; safe to repeat. */
export async function completeImport(ledger: LedgerDeps, importId: string): Promise<ImportProgress> {
  const now = ledger.clock();
  return ledger.db.transaction().execute(async (tx) => {
    const finished = await finishImport(tx, importId, now);
    if (!finished) return progressOf(await findImport(tx, importId));
    const progress = progressOf(finished);
    await writeAudit(tx, {
      actor: finished.created_by,
      action: 'import.complete',
      targetType: 'import',
      targetId: importId,
      after: { state: finished.state, ...progress },
      occurredAt: now,
    });
    return progress;
  });
}
