import { accountsOfMode } from '../db/account-mode-filter.js';
import type { Database, Tx } from '../db/database.js';
import type { Mode } from '../db/schema.js';
import type { AuditLogRow } from '../db/schema-audit.js';
import type { LedgerDeps, LedgerOperationEvent, LedgerSqlObserver, LedgerTransactionObserver } from '../ledger/index.js';

/** Who did it and from where: taken from the HTTP request (or the workflow that acts for a person). */
export interface AuditContext {
  actor: string;
  sourceIp?: string | null | undefined;
  requestId?: string | null | undefined;
}

export interface AuditRecord extends AuditContext {
  /** Verb on a noun, e.g. `grant.void`, `account.update`, `approval.approve`. */
  action: string;
  targetType: string;
  targetId: string;
  accountId?: string | null | undefined;
  reason?: string | null | undefined;
  before?: unknown;
  after?: unknown;
  occurredAt: Date;
}

/**
 * Appends one record to the audit log (R-S2). Give it the transaction of the
 * change when there is one, so the record exists exactly when the change does.
 */
export async function writeAudit(db: Database | Tx, record: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      occurred_at: record.occurredAt,
      actor: record.actor,
      action: record.action,
      target_type: record.targetType,
      target_id: record.targetId,
      account_id: record.accountId ?? null,
      source_ip: record.sourceIp ?? null,
      request_id: record.requestId ?? null,
      reason: record.reason ?? null,
      before: record.before === undefined ? null : JSON.stringify(record.before),
      after: record.after === undefined ? null : JSON.stringify(record.after),
    })
    .execute();
}

/**
 * Ledger deps whose operations also write an audit record inside their own
 * transaction (a transaction observer: a round trip of its own; `auditing`
 * costs none). `describe` turns the operation's result into the record (or
 * undefined for operations that should not be audited). An idempotent replay
 * returns the stored result without running observers, so it adds no record.
 */
export function withAudit(
  ledger: LedgerDeps,
  describe: (event: LedgerOperationEvent) => Omit<AuditRecord, 'occurredAt'> | undefined,
): LedgerDeps {
  const observe: LedgerTransactionObserver = async (event) => {
    const record = describe(event);
    if (record) await writeAudit(event.tx, { ...record, occurredAt: event.now });
  };
  return { ...ledger, observers: [...(ledger.observers ?? []), observe] };
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  accountId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Newest first: records with a smaller id than this cursor. */
  before?: bigint | undefined;
  limit: number;
  /** Records of accounts of this mode; records of no account are the live operator's (docs/TEST-MODE.md). Unset: one account's trail, already authorized. */
  mode?: Mode | undefined;
}

export interface AuditView {
  id: string;
  occurredAt: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  accountId: string | null;
  sourceIp: string | null;
  requestId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

export function auditView(row: AuditLogRow): AuditView {
  return {
    id: String(row.id),
    occurredAt: row.occurred_at.toISOString(),
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    accountId: row.account_id,
    sourceIp: row.source_ip,
    requestId: row.request_id,
    reason: row.reason,
    before: row.before,
    after: row.after,
  };
}

/** Audit records matching every given filter, newest first. */
export async function queryAudit(db: Database, filter: AuditFilter): Promise<AuditView[]> {
  let query = db.selectFrom('audit_log').selectAll();
  const mode = filter.mode;
  if (mode === 'live') query = query.where((eb) => eb.or([eb('account_id', 'is', null), eb('account_id', 'in', accountsOfMode(mode))]));
  if (mode === 'test') query = query.where('account_id', 'in', accountsOfMode(mode));
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(auditView);
}

/**
 * Ledger deps that audit every operation of one kind, with its result as the
 * state after. The record is written by the SQL function audit_ledger_operation
 * (migrations/2026-11-29T001200_audit_sql.ts) inside the operation's own call:
 * in its transaction, at no extra round trip. An idempotent replay adds no record.
 */
export function auditing(ledger: LedgerDeps, kind: string, record: Omit<AuditRecord, 'occurredAt' | 'after'>): LedgerDeps {
  const observer: LedgerSqlObserver = { sqlFunction: 'audit_ledger_operation', args: { kind, record } };
  return { ...ledger, observers: [...(ledger.observers ?? []), observer] };
}
