import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { ImportProgress } from '../contracts/imports.js';
import type { ImportRow, ImportRowRecord } from '../db/schema-imports.js';
import { retryingConflicts } from '../db/transaction.js';
import { defaultPriority, issueGrantBatch, type BatchedGrant, type LedgerDeps, type LedgerOutcome } from '../ledger/index.js';
import type { GrantRowInput } from './file-format.js';
import { lockImport, pendingRows, recordResults, type RowResult } from './store.js';

export const progressOf = (row: ImportRow): ImportProgress => ({
  importId: row.id,
  total: row.total_rows,
  done: row.done_rows,
  skipped: row.skipped_rows,
  failed: row.failed_rows,
  pending: row.total_rows - row.done_rows - row.skipped_rows - row.failed_rows,
});

/** A grant row as stored (JSON: its times are ISO strings). */
type StoredGrantRow = Omit<GrantRowInput, 'grantedAt' | 'expiresAt'> & { grantedAt: string; expiresAt?: string };

/** Accounts that are new are created (of the import's mode); one that exists already is skipped. */
async function createAccounts(tx: Tx, imp: ImportRow, rows: ImportRowRecord[], now: Date): Promise<RowResult[]> {
  if (rows.length === 0) return [];
  const values = rows.map((r) => {
    const p = r.payload as { id: string; name: string; parentId?: string; cohort?: string; metadata?: Record<string, string> };
    return { id: p.id, name: p.name, parent_id: p.parentId ?? null, cohort: p.cohort ?? null, metadata: p.metadata ?? {} };
  });
  const created = await sql<{ id: string }>`insert into accounts (id, name, parent_id, cohort, metadata, mode, created_at, updated_at)
    select r.id, r.name, r.parent_id, r.cohort, coalesce(r.metadata, '{}'), ${imp.mode}, ${now}, ${now}
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as r(id text, name text, parent_id text, cohort text, metadata jsonb)
    on conflict (id) do nothing returning id`.execute(tx);
  const made = new Set(created.rows.map((r) => r.id));
  return rows.map((r, i) => {
    const accountId = values[i]!.id;
    return made.has(accountId)
      ? { line: r.line, status: 'done', outcome: { accountId } }
      : { line: r.line, status: 'skipped', outcome: { accountId, code: 'account_exists', message: `account ${accountId} already exists` } };
  });
}

/** Pins each account to its pricing version (and cohort): setting the same again is harmless. */
async function pinPricing(tx: Tx, rows: ImportRowRecord[], now: Date): Promise<RowResult[]> {
  for (const r of rows) {
    const p = r.payload as { accountId: string; pricingVersion: string; cohort?: string };
    await tx
      .updateTable('accounts')
      .set({ pricing_version: p.pricingVersion, ...(p.cohort !== undefined && { cohort: p.cohort }), updated_at: now })
      .where('id', '=', p.accountId)
      .execute();
  }
  return rows.map((r) => ({ line: r.line, status: 'done', outcome: { accountId: (r.payload as { accountId: string }).accountId } }));
}

/**
 * The opening balances: one migration grant per row through the ledger, all
 * in one statement. The row key is the grant's ledger idempotency key and
 * external reference, so a row booked before (by this import's earlier
 * attempt or by an earlier import of the same file) is answered with the
 * grant it made and booked nothing.
 */
async function issueGrants(ledger: LedgerDeps, tx: Tx, imp: ImportRow, rows: ImportRowRecord[]): Promise<RowResult[]> {
  const grants: BatchedGrant[] = rows.map((r) => {
    const row = r.payload as unknown as StoredGrantRow;
    const key = `migration:${row.key}`;
    const reason = `Opening balance migrated from the previous billing system (import ${imp.id}, line ${r.line})`;
    const metadata: Record<string, string> = { ...row.metadata, importId: imp.id, importLine: String(r.line), migratedKey: row.key };
    if (row.originalAmount !== undefined) metadata.originalAmount = row.originalAmount;
    if (row.originalSource !== undefined) metadata.originalSource = row.originalSource;
    return {
      input: {
        accountId: row.accountId,
        creditType: row.creditType,
        amount: row.remaining,
        source: 'migration',
        priority: row.priority ?? defaultPriority[row.originalSource ?? 'migration'],
        effectiveAt: new Date(row.grantedAt),
        expiresAt: row.expiresAt === undefined ? null : new Date(row.expiresAt),
        reasonCode: 'migration',
        costBasis: row.costBasis,
        externalRef: key,
        metadata,
      },
      meta: { actor: imp.created_by, idempotencyKey: key, reason },
      request: row,
      observers: [
        {
          sqlFunction: 'audit_ledger_operation',
          args: {
            kind: 'grant',
            record: {
              actor: imp.created_by,
              action: 'grant.migrate',
              targetType: 'account',
              targetId: row.accountId,
              accountId: row.accountId,
              reason,
            },
          },
        },
      ],
    };
  });
  const outcomes = await issueGrantBatch(ledger, tx, grants);
  return rows.map((r, i) => rowResult(r.line, outcomes[i]!));
}

function rowResult(line: number, outcome: LedgerOutcome): RowResult {
  if ('error' in outcome)
    return { line, status: 'failed', outcome: { code: outcome.error.code, message: outcome.error.message ?? outcome.error.code } };
  if ('httpReplay' in outcome)
    return { line, status: 'failed', outcome: { code: 'unexpected_http_replay', message: 'no HTTP key was given' } };
  const grant = outcome.result as { id: string };
  const found = { grantId: grant.id, transactionId: outcome.transactionId, accountId: outcome.accountId };
  return outcome.replayed
    ? { line, status: 'skipped', outcome: { ...found, code: 'already_imported', message: `booked before as grant ${grant.id}` } }
    : { line, status: 'done', outcome: found };
}

/**
 * Processes the next `batchSize` pending rows of an import in ONE database
 * transaction: the accounts, pricing pins and grants they make and their row
 * statuses commit together, so a crash leaves each row either pending
 * (nothing of it written) or finished. The import row is locked first, so
 * two attempts (a retry while a presumed-dead one still runs) take turns.
 */
export async function processImportBatch(ledger: LedgerDeps, importId: string, batchSize: number): Promise<ImportProgress> {
  return retryingConflicts(() =>
    ledger.db.transaction().execute(async (tx) => {
      const imp = await lockImport(tx, importId);
      const rows = await pendingRows(tx, importId, batchSize);
      if (rows.length === 0) return progressOf(imp);
      const now = ledger.clock();
      const of = (kind: ImportRowRecord['kind']) => rows.filter((r) => r.kind === kind);
      const results = [
        ...(await createAccounts(tx, imp, of('account'), now)),
        ...(await pinPricing(tx, of('pricing_pin'), now)),
        ...(await issueGrants(ledger, tx, imp, of('grant'))),
      ];
      return progressOf(await recordResults(tx, importId, results, now));
    }),
  );
}

/** A row the server refuses even alone (a constraint the validation could not foresee) is marked failed, so the import goes on. */
export async function failNextRow(ledger: LedgerDeps, importId: string, error: unknown): Promise<ImportProgress> {
  return ledger.db.transaction().execute(async (tx) => {
    await lockImport(tx, importId);
    const [row] = await pendingRows(tx, importId, 1);
    const given = (error as { code?: unknown }).code;
    const code = typeof given === 'string' ? given : 'refused';
    const results: RowResult[] = row ? [{ line: row.line, status: 'failed', outcome: { code, message: (error as Error).message } }] : [];
    return progressOf(await recordResults(tx, importId, results, ledger.clock()));
  });
}
