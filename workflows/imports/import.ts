import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ImportActivities } from '../../activities/imports.js';
import { importProgressQuery, type ImportInput, type ImportProgress } from '../../src/contracts/imports.js';
import { importBatchActivity } from '../presets.js';

const { processImportBatch, finishImport } = proxyActivities<ImportActivities>(importBatchActivity);

/**
 * One bulk import (issue 19). The rows are in the database (import_rows);
 * the workflow carries only the import's id and counts. Each activity
 * processes the next batch of pending rows in one transaction and answers
 * with the counts, so a worker that dies mid-batch leaves that batch
 * uncommitted (or committed with its rows marked): the retried activity
 * simply takes the next pending rows, and nothing is booked twice. Long
 * imports continue as new when the history grows large.
 */
export async function importWorkflow(input: ImportInput): Promise<ImportProgress> {
  let progress: ImportProgress | null = null;
  setHandler(importProgressQuery, () => progress);
  do {
    progress = await processImportBatch(input.importId, input.batchSize);
    if (progress.pending > 0 && workflowInfo().continueAsNewSuggested) await continueAsNew<typeof importWorkflow>(input);
  } while (progress.pending > 0);
  return finishImport(input.importId);
}
