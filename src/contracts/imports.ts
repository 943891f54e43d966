import { defineQuery } from '@temporalio/workflow';

/** One workflow per bulk import, under the id import-<importId>. */
export const importWorkflowId = (importId: string) => `import-${importId}`;

export interface ImportInput {
  importId: string;
  /** Rows per batch: one database transaction each (IMPORT_BATCH_SIZE). */
  batchSize: number;
  /** Grant batches run this many at a time (IMPORT_PARALLELISM); accounts and pins run one batch at a time. */
  parallelism: number;
}

/** Accounts and pricing pins (a pool parent before its children), then grants. */
export type ImportStage = 'setup' | 'grants';

/** One batch's answer: the import's progress, and how many rows this batch took (0: none left to take in its stage). */
export interface ImportBatchResult extends ImportProgress {
  claimed: number;
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
