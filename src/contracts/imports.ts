import { defineQuery } from '@temporalio/workflow';

/** One workflow per bulk import, under the id import-<importId>. */
export const importWorkflowId = (importId: string) => `import-${importId}`;

export interface ImportInput {
  importId: string;
  /** Rows per batch: one database transaction each (IMPORT_BATCH_SIZE). */
  batchSize: number;
}

/** Where an import stands: its counts (from the database, as of the last batch) and how many rows are still pending. */
export interface ImportProgress {
  importId: string;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  pending: number;
}

/** The progress as of the last finished batch; null before the first. */
export const importProgressQuery = defineQuery<ImportProgress | null>('importProgress');
