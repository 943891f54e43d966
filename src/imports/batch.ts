import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { ImportBatchResult, ImportProgress, ImportStage } from '../contracts/imports.js';
import type { ImportRow, ImportRowRecord } from '../db/schema-imports.js';
import { retryingConflicts } from '../db/transaction.js';
import { defaultPriority, issueGrantBatch, type BatchedGrant, type LedgerDeps, type LedgerOutcome } from '../ledger/index.js';
import type { GrantRowInput } from './file-format.js';
import { claimPendingRows, findImport, recordResults, type RowResult } from './store.js';

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

/** Pins each account to its pricing version (and cohort), in one statement: setting the same again is harmless. */
async function pinPricing(tx: Tx, rows: ImportRowRecord[], now: Date): Promise<RowResult[]> {
  if (rows.length === 0) return [];
  const pins = rows.map((r) => r.payload as { accountId: string; pricingVersion: string; cohort?: string });
  await sql`update accounts a set pricing_version = p."pricingVersion", cohort = coalesce(p.cohort, a.cohort), updated_at = ${now}
    from jsonb_to_recordset(${JSON.stringify(pins)}::jsonb) as p("accountId" text, "pricingVersion" text, cohort text)
    where a.id = p."accountId"`.execute(tx);
  return rows.map((r, i) => ({ line: r.line, status: 'done', outcome: { accountId: pins[i]!.accountId } }));
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
  // Opening balances are not news: no balance alert, recharge check or webhook fires for them (they halved the
  // throughput, bench/import.ts); each grant's own audit record is still written in its ledger transaction.
  const outcomes = await issueGrantBatch(ledger, tx, grants, { areaObservers: false });
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
 * Processes the next `batchSize` pending rows of a stage in ONE database
 * transaction: the accounts, pricing pins and grants they make and their row
 * statuses commit together, so a crash leaves each row either pending
 * (nothing of it written) or finished. The rows are claimed with SKIP
 * LOCKED: two batches (side by side, or a retry while a presumed-dead
 * attempt still runs) never take the same row.
 */
export async function processImportBatch(
  ledger: LedgerDeps,
  importId: string,
  batchSize: number,
  stage: ImportStage,
): Promise<ImportBatchResult> {
  return retryingConflicts(() =>
    ledger.db.transaction().execute(async (tx) => {
      const imp = await findImport(tx, importId);
      const rows = await claimPendingRows(tx, importId, stage, batchSize);
      if (rows.length === 0) return { ...progressOf(imp), claimed: 0 };
      const now = ledger.clock();
      const of = (kind: ImportRowRecord['kind']) => rows.filter((r) => r.kind === kind);
      const results = [
        ...(await createAccounts(tx, imp, of('account'), now)),
        ...(await pinPricing(tx, of('pricing_pin'), now)),
        ...(await issueGrants(ledger, tx, imp, of('grant'))),
      ];
      return { ...progressOf(await recordResults(tx, importId, results, now)), claimed: rows.length };
    }),
  );
}

/** A row the server refuses even alone (a constraint the validation could not foresee) is marked failed, so the import goes on. */
export async function failNextRow(ledger: LedgerDeps, importId: string, stage: ImportStage, error: unknown): Promise<ImportBatchResult> {
  return ledger.db.transaction().execute(async (tx) => {
    const [row] = await claimPendingRows(tx, importId, stage, 1);
    const given = (error as { code?: unknown }).code;
    const code = typeof given === 'string' ? given : 'refused';
    const results: RowResult[] = row ? [{ line: row.line, status: 'failed', outcome: { code, message: (error as Error).message } }] : [];
    return { ...progressOf(await recordResults(tx, importId, results, ledger.clock())), claimed: results.length };
  });
}
