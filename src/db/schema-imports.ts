import type { ColumnType, Selectable } from 'kysely';
import type { Mode } from './schema.js';

/** Bulk imports (src/imports); created by migrations/2026-11-30T131000_imports.ts. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export const importStates = ['running', 'completed', 'completed_with_failures'] as const;
export type ImportState = (typeof importStates)[number];
export const importRowStatuses = ['pending', 'done', 'skipped', 'failed'] as const;
export type ImportRowStatus = (typeof importRowStatuses)[number];
export type ImportRowKind = 'account' | 'pricing_pin' | 'grant';

export interface ImportTable {
  id: string;
  format: 'jsonl' | 'csv';
  mode: Mode;
  state: ImportState;
  total_rows: number;
  done_rows: ColumnType<number, number | undefined, number>;
  skipped_rows: ColumnType<number, number | undefined, number>;
  failed_rows: ColumnType<number, number | undefined, number>;
  file_sha256: string;
  created_by: string;
  workflow_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

/** What became of a row: the grant or account it made (or found), or why it failed. */
export interface ImportRowOutcome {
  grantId?: string;
  transactionId?: string;
  accountId?: string;
  code?: string;
  message?: string;
}

export interface ImportRowTable {
  import_id: string;
  line: number;
  phase: number;
  kind: ImportRowKind;
  row_key: string;
  payload: Json<Record<string, unknown>>;
  status: ImportRowStatus;
  outcome: Json<ImportRowOutcome | null>;
  processed_at: Timestamp | null;
}

export type ImportRow = Selectable<ImportTable>;
export type ImportRowRecord = Selectable<ImportRowTable>;
