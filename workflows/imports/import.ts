import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ImportActivities } from '../../activities/imports.js';
import { importProgressQuery, type ImportInput, type ImportProgress, type ImportStage } from '../../src/contracts/imports.js';
import { importBatchActivity } from '../presets.js';

const { processImportBatch, finishImport } = proxyActivities<ImportActivities>(importBatchActivity);

/**
 * One bulk import (issue 19). The rows are in the database (import_rows);
 * the workflow carries only the import's id and counts. Each activity
 * processes a batch of pending rows in one transaction (rows claimed with
 * SKIP LOCKED) and answers with the counts, so a worker that dies mid-batch
 * leaves that batch uncommitted (or committed with its rows marked): the
 * retried activity simply takes pending rows, and nothing is booked twice.
 * Accounts and pricing pins go first, one batch at a time (a pool parent
 * before its children); then grants, `parallelism` batches at once. Long
 * imports continue as new when the history grows large.
 */
export async function importWorkflow(input: ImportInput): Promise<ImportProgress> {
  let progress: ImportProgress | null = null;
  setHandler(importProgressQuery, () => progress);
  const lane = async (stage: ImportStage) => {
    for (;;) {
      const { claimed, ...counts } = await processImportBatch(input.importId, input.batchSize, stage);
      progress = counts;
      if (claimed === 0 || workflowInfo().continueAsNewSuggested) return;
    }
  };
  await lane('setup');
  await Promise.all(Array.from({ length: Math.max(1, input.parallelism) }, () => lane('grants')));
  if (progress!.pending > 0) await continueAsNew<typeof importWorkflow>(input);
  return finishImport(input.importId);
}
