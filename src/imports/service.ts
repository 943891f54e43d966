import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { importWorkflow } from '../../workflows/imports/import.js';
import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import { pricingCatalogFor } from '../consumption/pricing/catalog.js';
import { importWorkflowId } from '../contracts/imports.js';
import type { Mode } from '../db/schema.js';
import type { ImportRow, ImportRowRecord, ImportRowStatus } from '../db/schema-imports.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { LedgerDeps } from '../ledger/index.js';
import { progressOf } from './batch.js';
import { readCsv, readJsonLines, type ImportFormat } from './file-format.js';
import { findImport, insertImport, listImportRows } from './store.js';
import { validateImport } from './validation.js';

/** What the import routes need: the ledger (database and clock), Temporal and the import settings. */
export interface ImportsServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'IMPORT_BATCH_SIZE' | 'IMPORT_PARALLELISM' | 'PRICING_DIR'>;
}

export interface ImportView {
  id: string;
  format: ImportFormat;
  state: ImportRow['state'];
  progress: { total: number; done: number; skipped: number; failed: number; pending: number };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  fileSha256: string;
  workflowId: string;
}

export function importView(row: ImportRow): ImportView {
  const { importId: _id, ...progress } = progressOf(row);
  return {
    id: row.id,
    format: row.format,
    state: row.state,
    progress,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    fileSha256: row.file_sha256,
    workflowId: row.workflow_id,
  };
}

/** The outcome of a dry run: every row is valid; nothing was stored. */
export interface ImportDryRun {
  validateOnly: true;
  valid: true;
  rows: { total: number; accounts: number; grants: number; pricingPins: number };
}

/**
 * Takes an import file: reads it (JSONL or CSV), validates every row
 * (ImportInvalidError lists every problem; nothing is written), and unless
 * it is a dry run stores the import and its rows with its audit record in
 * one transaction, then starts its workflow.
 */
export async function createImport(
  deps: ImportsServiceDeps,
  file: { format: ImportFormat; text: string; validateOnly: boolean },
  who: { mode: Mode; audit: AuditContext },
): Promise<ImportView | ImportDryRun> {
  const lines = file.format === 'csv' ? readCsv(file.text) : readJsonLines(file.text);
  if (lines.length === 0) throw new ValidationError('The file has no rows', [{ path: 'body', message: 'no rows', code: 'empty_file' }]);
  const now = deps.ledger.clock();
  const catalog = await pricingCatalogFor(deps.config.PRICING_DIR);
  const rows = await validateImport({ db: deps.ledger.db, now, catalog, mode: who.mode }, lines);
  if (file.validateOnly) {
    const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
    return {
      validateOnly: true,
      valid: true,
      rows: { total: rows.length, accounts: count('account'), grants: count('grant'), pricingPins: count('pricing_pin') },
    };
  }
  const id = `imp_${uuidv7().replaceAll('-', '')}`;
  const record = {
    id,
    format: file.format,
    mode: who.mode,
    state: 'running' as const,
    total_rows: rows.length,
    file_sha256: createHash('sha256').update(file.text).digest('hex'),
    created_by: who.audit.actor,
    workflow_id: importWorkflowId(id),
    created_at: now,
    updated_at: now,
  };
  const created = await insertImport(deps.ledger.db, record, rows, (tx) =>
    writeAudit(tx, {
      ...who.audit,
      action: 'import.create',
      targetType: 'import',
      targetId: id,
      after: { format: file.format, rows: rows.length, fileSha256: record.file_sha256 },
      occurredAt: now,
    }),
  );
  await startImportWorkflow(deps, created);
  return importView(created);
}

async function startImportWorkflow(deps: ImportsServiceDeps, row: ImportRow): Promise<void> {
  try {
    await deps.temporal.workflow.start(importWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: row.workflow_id,
      args: [{ importId: row.id, batchSize: deps.config.IMPORT_BATCH_SIZE, parallelism: deps.config.IMPORT_PARALLELISM }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** An import's mode (its owner, for route access); NotFoundError for an unknown id. */
export async function importMode(deps: { ledger: LedgerDeps }, id: string): Promise<Mode> {
  return (await findImport(deps.ledger.db, id)).mode;
}

/** One import of the caller's mode; the other mode's is not found. */
export async function importById(deps: { ledger: LedgerDeps }, id: string, mode: Mode): Promise<ImportView> {
  const row = await findImport(deps.ledger.db, id);
  if (row.mode !== mode) throw new NotFoundError('import', id);
  return importView(row);
}

export interface ImportRowView {
  line: number;
  kind: ImportRowRecord['kind'];
  key: string;
  status: ImportRowStatus;
  outcome: ImportRowRecord['outcome'];
  processedAt: string | null;
}

/** The rows of an import and what became of each, in line order, a page at a time. */
export async function importRows(
  deps: { ledger: LedgerDeps },
  id: string,
  mode: Mode,
  filter: { status?: ImportRowStatus | undefined; after?: number | undefined; limit: number },
): Promise<ImportRowView[]> {
  await importById(deps, id, mode);
  const rows = await listImportRows(deps.ledger.db, id, filter);
  return rows.map((r) => ({
    line: r.line,
    kind: r.kind,
    key: r.row_key,
    status: r.status,
    outcome: r.outcome,
    processedAt: r.processed_at?.toISOString() ?? null,
  }));
}
