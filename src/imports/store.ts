import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { Insertable } from 'kysely';
import type { ImportRow, ImportRowOutcome, ImportRowRecord, ImportRowStatus, ImportTable } from '../db/schema-imports.js';
import type { ImportStage } from '../contracts/imports.js';
import { NotFoundError } from '../errors.js';
import type { ValidRow } from './validation.js';

/** Rows are written this many to a statement (one jsonb parameter each). */
const INSERT_CHUNK = 5000;

/** Stores a validated file: the import and every row, pending, in one transaction (all or nothing). */
export async function insertImport(
  db: Database,
  record: Insertable<ImportTable> & { id: string },
  rows: readonly ValidRow[],
  /** Written in the same transaction (the audit record). */
  alongside: (tx: Tx) => Promise<void>,
): Promise<ImportRow> {
  return db.transaction().execute(async (tx) => {
    const created = await tx.insertInto('imports').values(record).returningAll().executeTakeFirstOrThrow();
    await alongside(tx);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows
        .slice(i, i + INSERT_CHUNK)
        .map((r) => ({ line: r.line, phase: r.phase, kind: r.kind, row_key: r.rowKey, payload: r.row }));
      await sql`insert into import_rows (import_id, line, phase, kind, row_key, payload, status)
        select ${record.id}, r.line, r.phase, r.kind, r.row_key, r.payload, 'pending'
        from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(line int, phase smallint, kind text, row_key text, payload jsonb)`.execute(
        tx,
      );
    }
    return created;
  });
}

export async function findImport(db: Database | Tx, id: string): Promise<ImportRow> {
  const row = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('import', id);
  return row;
}

/**
 * Takes the next pending rows of a stage in processing order (file order
 * within accounts, pins and grants), locked for the caller's transaction;
 * rows another batch holds are passed over (SKIP LOCKED), so batches of one
 * import can run side by side.
 */
export function claimPendingRows(tx: Tx, importId: string, stage: ImportStage, limit: number): Promise<ImportRowRecord[]> {
  return tx
    .selectFrom('import_rows')
    .selectAll()
    .where('import_id', '=', importId)
    .where('status', '=', 'pending')
    .where('phase', stage === 'setup' ? '<' : '=', 2)
    .orderBy('phase')
    .orderBy('line')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export interface RowResult {
  line: number;
  status: Exclude<ImportRowStatus, 'pending'>;
  outcome: ImportRowOutcome;
}

/** Records the rows' outcomes and adds them to the import's counts, in the batch's transaction. */
export async function recordResults(tx: Tx, importId: string, results: readonly RowResult[], now: Date): Promise<ImportRow> {
  if (results.length > 0) {
    await sql`update import_rows t set status = r.status, outcome = r.outcome, processed_at = ${now}
      from jsonb_to_recordset(${JSON.stringify(results)}::jsonb) as r(line int, status text, outcome jsonb)
      where t.import_id = ${importId} and t.line = r.line and t.status = 'pending'`.execute(tx);
  }
  const count = (status: RowResult['status']) => results.filter((r) => r.status === status).length;
  return tx
    .updateTable('imports')
    .set((eb) => ({
      done_rows: eb('done_rows', '+', count('done')),
      skipped_rows: eb('skipped_rows', '+', count('skipped')),
      failed_rows: eb('failed_rows', '+', count('failed')),
      updated_at: now,
    }))
    .where('id', '=', importId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Marks a running import finished: completed, or completed_with_failures when a row failed. Undefined when it was finished already. */
export async function finishImport(tx: Tx, id: string, now: Date): Promise<ImportRow | undefined> {
  return tx
    .updateTable('imports')
    .set((eb) => ({
      state: eb
        .case()
        .when('failed_rows', '>', 0)
        .then(sql.lit('completed_with_failures'))
        .else(sql.lit('completed'))
        .end()
        .$castTo<ImportRow['state']>(),
      finished_at: now,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('state', '=', 'running')
    .returningAll()
    .executeTakeFirst();
}

export function listImportRows(
  db: Database,
  importId: string,
  filter: { status?: ImportRowStatus | undefined; after?: number | undefined; limit: number },
): Promise<ImportRowRecord[]> {
  let query = db.selectFrom('import_rows').selectAll().where('import_id', '=', importId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.after !== undefined) query = query.where('line', '>', filter.after);
  return query.orderBy('line').limit(filter.limit).execute();
}
