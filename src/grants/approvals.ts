import { createHash, randomUUID } from 'node:crypto';
import { accountsOfMode } from '../db/account-mode-filter.js';
import type { Database, Tx } from '../db/database.js';
import type { Mode } from '../db/schema.js';
import type { GrantApproval } from '../db/schema-grants.js';
import { inTransaction } from '../db/transaction.js';
import { withAudit, writeAudit, type AuditContext } from '../audit/audit-log.js';
import { getCreditType, requireAccount, toUnits, type LedgerDeps, type GrantView } from '../ledger/index.js';
import { issueGrant } from '../observability/measured-ledger.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import { grantApprovalWorkflowId } from '../contracts/grants.js';

/** Why a support or sales grant is given (R-G4): a code from this list, plus free text. */
export const grantReasonCodes = [
  'goodwill',
  'service_outage',
  'billing_error',
  'sales_concession',
  'contract_commitment',
  'migration',
  'partnership',
  'other',
] as const;
export type GrantReasonCode = (typeof grantReasonCodes)[number];

export interface SupportGrantRequest {
  accountId: string;
  creditType: string;
  amount: string;
  source: 'support' | 'promo';
  reasonCode: GrantReasonCode;
  reason: string;
  effectiveAt?: string | undefined;
  expiresAt?: string | undefined;
}

/**
 * The largest grant a key may issue without approval: the highest limit among
 * its scopes (config GRANT_APPROVAL_LIMITS), in the grant's credit type's
 * smallest units; null when none of its scopes has a limit.
 */
export function approvalLimit(scopes: Iterable<string>, limits: Record<string, string>, precision: number): bigint | null {
  let best: bigint | null = null;
  for (const scope of scopes) {
    const limit = limits[scope];
    if (limit === undefined) continue;
    const units = toUnits({ id: 'limit', name: 'limit', precision, created_at: new Date(0) }, limit, 'limit', { allowZero: true });
    if (best === null || units > best) best = units;
  }
  return best;
}

export interface ApprovalView {
  id: string;
  accountId: string;
  status: GrantApproval['status'];
  grant: SupportGrantRequest;
  reasonCode: string;
  reason: string;
  requestedBy: string;
  timeoutAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  grantId: string | null;
  createdAt: string;
}

export function approvalView(row: GrantApproval): ApprovalView {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    grant: row.grant_request as SupportGrantRequest,
    reasonCode: row.reason_code,
    reason: row.reason,
    requestedBy: row.requested_by,
    timeoutAt: row.timeout_at.toISOString(),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at?.toISOString() ?? null,
    decisionReason: row.decision_reason,
    grantId: row.grant_id,
    createdAt: row.created_at.toISOString(),
  };
}

export function grantInputOf(request: SupportGrantRequest) {
  return {
    accountId: request.accountId,
    creditType: request.creditType,
    amount: request.amount,
    source: request.source,
    reasonCode: request.reasonCode,
    effectiveAt: request.effectiveAt ? new Date(request.effectiveAt) : undefined,
    expiresAt: request.expiresAt ? new Date(request.expiresAt) : undefined,
  };
}

export type SupportGrantResult = { status: 'granted'; grant: GrantView } | { status: 'pending'; approval: ApprovalView };

export interface SupportGrantContext extends AuditContext {
  scopes: Iterable<string>;
  /** Ledger-level key from the HTTP Idempotency-Key: a retry finds the same grant or approval. */
  idempotencyKey: string | undefined;
  limits: Record<string, string>;
  approvalTimeoutMs: number;
  /** Over the person's rolling daily cap on this account (GRANT_DAILY_LIMITS): approval even within the limit. */
  overDailyCap?: boolean;
}

/**
 * A support or sales grant (R-G4): within the caller's limit it is issued at
 * once; above it, it waits as a pending approval (the caller then starts the
 * approval workflow). Either way the audit log records it in the same
 * transaction.
 */
export async function requestSupportGrant(
  ledger: LedgerDeps,
  request: SupportGrantRequest,
  ctx: SupportGrantContext,
): Promise<SupportGrantResult> {
  const creditType = await getCreditType(ledger.db, request.creditType).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${request.creditType} does not exist` }]);
  });
  const units = toUnits(creditType, request.amount, 'amount');
  await requireAccount(ledger.db, request.accountId);
  const limit = approvalLimit(ctx.scopes, ctx.limits, creditType.precision);
  const audit = {
    actor: ctx.actor,
    sourceIp: ctx.sourceIp,
    requestId: ctx.requestId,
    accountId: request.accountId,
    reason: `${request.reasonCode}: ${request.reason}`,
  };

  if (limit !== null && units <= limit && !ctx.overDailyCap) {
    const deps = withAudit(ledger, ({ kind, result }) =>
      kind === 'grant'
        ? { ...audit, action: 'grant.issue', targetType: 'grant', targetId: (result as GrantView).id, before: null, after: result }
        : undefined,
    );
    const grant = await issueGrant(deps, grantInputOf(request), {
      actor: ctx.actor,
      idempotencyKey: ctx.idempotencyKey,
      reason: request.reason,
    });
    return { status: 'granted', grant };
  }

  const id = ctx.idempotencyKey
    ? `apr_${createHash('sha256').update(`${ctx.actor}\u0000${ctx.idempotencyKey}`).digest('hex').slice(0, 24)}`
    : `apr_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const now = ledger.clock();
  const approval = await inTransaction(ledger.db, async (tx) => {
    const inserted = await tx
      .insertInto('grant_approvals')
      .values({
        id,
        account_id: request.accountId,
        grant_request: JSON.stringify(request),
        reason_code: request.reasonCode,
        reason: request.reason,
        requested_by: ctx.actor,
        requested_scopes: [...ctx.scopes],
        timeout_at: new Date(now.getTime() + ctx.approvalTimeoutMs),
        workflow_id: grantApprovalWorkflowId(id),
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) return findApproval(tx, id);
    const view = approvalView(inserted);
    await writeOutboxEvent(tx, {
      id: `grant.pending_approval:${id}`,
      accountId: request.accountId,
      type: 'grant.pending_approval',
      occurredAt: now,
      payload: {
        approvalId: id,
        accountId: request.accountId,
        creditType: request.creditType,
        amount: request.amount,
        requestedBy: ctx.actor,
        reasonCode: request.reasonCode,
        timeoutAt: view.timeoutAt,
      },
    });
    await writeAudit(tx, {
      ...audit,
      action: 'approval.request',
      targetType: 'approval',
      targetId: id,
      before: null,
      after: view,
      occurredAt: now,
    });
    return inserted;
  });
  return { status: 'pending', approval: approvalView(approval) };
}

export async function findApproval(db: Database | Tx, id: string): Promise<GrantApproval> {
  const row = await db.selectFrom('grant_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('approval', id);
  return row;
}

export async function listApprovals(
  db: Database,
  filter: {
    status?: GrantApproval['status'] | undefined;
    accountId?: string | undefined;
    limit: number;
    after?: string | undefined;
    mode: Mode;
  },
): Promise<ApprovalView[]> {
  let query = db.selectFrom('grant_approvals').selectAll().where('account_id', 'in', accountsOfMode(filter.mode));
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.after) query = query.where('id', '>', filter.after);
  return (await query.orderBy('id').limit(filter.limit).execute()).map(approvalView);
}
