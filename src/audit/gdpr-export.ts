import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { csvRow } from '../finance/adapters/csv.js';

export type ExportFormat = 'json' | 'csv';

/** One table of the export, read in keyset pages on an index that leads with account_id. */
interface Section {
  name: string;
  recordType: string;
  table: string;
  keys: string[];
  /** Another area's table: skipped when it does not exist. */
  optional?: boolean;
}

const sections: Section[] = [
  { name: 'account', recordType: 'account', table: 'accounts', keys: ['id'] },
  { name: 'balances', recordType: 'balance', table: 'balances', keys: ['credit_type'] },
  { name: 'grants', recordType: 'grant', table: 'grants', keys: ['id'] },
  { name: 'holds', recordType: 'hold', table: 'holds', keys: ['id'] },
  { name: 'transactions', recordType: 'transaction', table: 'ledger_transactions', keys: ['id'] },
  { name: 'ledgerEntries', recordType: 'ledger_entry', table: 'ledger_entries', keys: ['id'] },
  { name: 'usageEvents', recordType: 'usage_event', table: 'usage_events', keys: ['event_time', 'id'], optional: true },
  {
    name: 'notBilledEvents',
    recordType: 'usage_event_rejection',
    table: 'usage_event_rejections',
    keys: ['received_at', 'event_id'],
    optional: true,
  },
  { name: 'consumptions', recordType: 'consumption', table: 'consumptions', keys: ['created_at', 'id'], optional: true },
  { name: 'priceOverrides', recordType: 'price_override', table: 'price_overrides', keys: ['id'], optional: true },
  { name: 'audit', recordType: 'audit', table: 'audit_log', keys: ['id'], optional: true },
  { name: 'erasures', recordType: 'erasure', table: 'gdpr_erasures', keys: ['account_id'] },
];

const PAGE = 2000;

/**
 * A customer's own export leaves out what is about Burndown's staff and
 * money, not about the customer: who acted (staff identities), from where,
 * under which idempotency key, and cost basis. Audit rows keep what was done
 * and when, not the documents before and after.
 */
const STAFF_COLUMNS = new Set([
  'actor',
  'issued_by',
  'created_by',
  'requested_by',
  'decided_by',
  'ended_by',
  'source_ip',
  'request_id',
  'idempotency_key',
  'request_hash',
  'result',
  'cost_basis_minor',
  'cost_basis_currency',
  'before',
  'after',
]);

function customerRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([column]) => !STAFF_COLUMNS.has(column)));
}

/** A row as plain JSON: int8 as decimal strings, bytes as hex, times as ISO strings. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] =
      typeof value === 'bigint'
        ? value.toString()
        : Buffer.isBuffer(value)
          ? value.toString('hex')
          : value instanceof Date
            ? value.toISOString()
            : value;
  }
  return out;
}

const CSV_COLUMNS = [
  'record_type',
  'id',
  'occurred_at',
  'credit_type',
  'entry_type',
  'amount',
  'balance_after',
  'grant_id',
  'feature',
  'actor',
  'data',
];

function csvLine(recordType: string, row: Record<string, unknown>): string {
  const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : `${v as string}`);
  return csvRow([
    recordType,
    text(row.id ?? row.credit_type ?? row.account_id),
    text(row.created_at ?? row.occurred_at ?? row.event_time ?? row.erased_at),
    text(row.credit_type),
    text(row.entry_type ?? row.kind ?? row.action),
    text(row.amount),
    text(row.balance_after ?? row.balance),
    text(row.grant_id),
    text(row.feature),
    text(row.actor ?? row.issued_by ?? row.created_by),
    JSON.stringify(row),
  ]);
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(db);
  return rows[0]?.found != null;
}

/** Keyset pages of one section: memory holds one page, whatever the table's size. */
async function* pages(db: Database, accountId: string, section: Section): AsyncGenerator<Record<string, unknown>[]> {
  const keyList = sql.join(section.keys.map((k) => sql.ref(k)));
  const column = section.table === 'accounts' ? 'id' : 'account_id';
  let after: unknown[] | null = null;
  for (;;) {
    const keyset: ReturnType<typeof sql> = after ? sql`and (${keyList}) > (${sql.join(after.map((v) => sql`${v}`))})` : sql``;
    const { rows }: { rows: Record<string, unknown>[] } = await sql<Record<string, unknown>>`
      select * from ${sql.table(section.table)} where ${sql.ref(column)} = ${accountId} ${keyset}
      order by ${keyList} limit ${PAGE}`.execute(db);
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    const last: Record<string, unknown> = rows[rows.length - 1]!;
    after = section.keys.map((k) => last[k]);
  }
}

/**
 * The GDPR export of one account (R-A4): account, balances, grants, holds,
 * ledger transactions and entries, usage events, consumptions, price overrides and audit rows,
 * as one JSON document or one CSV (a `record_type` column, the main fields,
 * and the whole row as JSON). Written page by page through `write`, which
 * should wait for the consumer (backpressure), so a million entries never sit
 * in memory at once.
 */
export async function writeAccountExport(
  db: Database,
  accountId: string,
  format: ExportFormat,
  generatedAt: Date,
  write: (chunk: string) => Promise<void>,
  viewer: 'staff' | 'customer' = 'staff',
): Promise<{ rows: number }> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new NotFoundError('account', accountId);
  let rows = 0;
  if (format === 'csv') await write(csvRow(CSV_COLUMNS));
  else await write(`{"accountId":${JSON.stringify(accountId)},"generatedAt":"${generatedAt.toISOString()}"`);
  for (const section of sections) {
    if (section.optional && !(await tableExists(db, section.table))) continue;
    if (format === 'json') await write(`,${JSON.stringify(section.name)}:[`);
    let first = true;
    for await (const page of pages(db, accountId, section)) {
      let chunk = '';
      for (const row of page) {
        const data = viewer === 'customer' ? customerRow(plain(row)) : plain(row);
        if (format === 'csv') chunk += csvLine(section.recordType, data);
        else {
          chunk += `${first ? '' : ','}${JSON.stringify(data)}`;
          first = false;
        }
      }
      rows += page.length;
      await write(chunk);
    }
    if (format === 'json') await write(']');
  }
  if (format === 'json') await write('}\n');
  return { rows };
}
