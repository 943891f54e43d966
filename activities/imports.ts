import { heartbeat } from '@temporalio/activity';
import type { ImportBatchResult, ImportProgress, ImportStage } from '../src/contracts/imports.js';
import { failNextRow, processImportBatch } from '../src/imports/batch.js';
import { completeImport } from '../src/imports/completion.js';
import type { LedgerDeps } from '../src/ledger/index.js';

/**
 * The server refused the statement itself (a SQLSTATE outside connection
 * loss, shutdown and conflicts, which retryingConflicts already retried):
 * running the same rows again would fail again.
 */
function refusedByServer(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !/^57P0[123]$/.test(code);
}

/** The steps of a bulk import's workflow. */
export function createImportActivities(deps: { ledger: LedgerDeps }) {
  return {
    /**
     * The next batch of pending rows. If the server refuses the batch (a row
     * the validation could not foresee), the rows run one at a time and the
     * one refused even alone is marked failed, so one bad row never stops
     * the import.
     */
    async processImportBatch(importId: string, batchSize: number, stage: ImportStage): Promise<ImportBatchResult> {
      heartbeat();
      try {
        return await processImportBatch(deps.ledger, importId, batchSize, stage);
      } catch (error) {
        if (!refusedByServer(error)) throw error;
        try {
          return await processImportBatch(deps.ledger, importId, 1, stage);
        } catch (alone) {
          if (!refusedByServer(alone)) throw alone;
          return failNextRow(deps.ledger, importId, stage, alone);
        }
      }
    },
    async finishImport(importId: string): Promise<ImportProgress> {
      return completeImport(deps.ledger, importId);
    },
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
