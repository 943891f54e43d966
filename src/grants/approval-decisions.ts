import type { Tx } from '../db/database.js';
import type { GrantApproval } from '../db/schema-grants.js';
import { inTransaction } from '../db/transaction.js';
import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import { type GrantView, type LedgerDeps } from '../ledger/index.js';
import { issueGrant } from '../observability/measured-ledger.js';
import { NotFoundError } from '../errors.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import { grantApprovalWorkflowId, type ApprovalOutcome } from '../contracts/grants.js';
import { approvalView, findApproval, grantInputOf, type SupportGrantRequest } from './approvals.js';

/**
 * The decision on a pending support grant (R-G4), as the approval workflow's
 * activities make it: approved (the grant is issued) or rejected (by a
 * person, or by the timeout). Each writes the approval's new status, its
 * outbox event and its audit record in one transaction.
 */

const outcomeOf = (row: GrantApproval): ApprovalOutcome => ({
  status: row.status === 'approved' ? 'approved' : 'rejected',
  decidedBy: row.decided_by ?? '',
  grantId: row.grant_id,
  reason: row.decision_reason,
});

export interface Decision extends AuditContext {
  reason?: string | null | undefined;
}

/**
 * Applies an approved grant: issues it (idempotent by the approval id) and, in
 * the same transaction, marks the approval approved, writes `grant.approved`
 * and the audit record. A repeat returns the first outcome.
 */
export async function applyApprovedGrant(
  ledger: LedgerDeps,
  approvalId: string,
  decision: Decision,
): Promise<ApprovalOutcome & { expiresAt: string | null }> {
  const row = await findApproval(ledger.db, approvalId);
  const request = row.grant_request as SupportGrantRequest;
  if (row.status !== 'pending') return { ...outcomeOf(row), expiresAt: request.expiresAt ?? null };
  const deps: LedgerDeps = {
    ...ledger,
    observers: [
      ...(ledger.observers ?? []),
      async ({ tx, kind, now, result }) => {
        if (kind !== 'grant') return;
        const grant = result as GrantView;
        await decide(tx, row, 'approved', decision, now, grant.id);
      },
    ],
  };
  const grant = await issueGrant(
    deps,
    { ...grantInputOf(request), externalRef: `approval:${approvalId}`, metadata: { approvalId, approvedBy: decision.actor } },
    { actor: row.requested_by, idempotencyKey: `${grantApprovalWorkflowId(approvalId)}:apply`, reason: request.reason },
  );
  return { status: 'approved', decidedBy: decision.actor, grantId: grant.id, reason: decision.reason ?? null, expiresAt: grant.expiresAt };
}

/** Rejects a pending approval (by a person, or by the timeout); a repeat returns the first outcome. */
export async function rejectApproval(ledger: LedgerDeps, approvalId: string, decision: Decision): Promise<ApprovalOutcome> {
  return inTransaction(ledger.db, async (tx) => {
    const row = await tx.selectFrom('grant_approvals').selectAll().where('id', '=', approvalId).forUpdate().executeTakeFirst();
    if (!row) throw new NotFoundError('approval', approvalId);
    if (row.status !== 'pending') return outcomeOf(row);
    return outcomeOf(await decide(tx, row, 'rejected', decision, ledger.clock(), null));
  });
}

async function decide(tx: Tx, row: GrantApproval, status: 'approved' | 'rejected', decision: Decision, now: Date, grantId: string | null) {
  const updated = await tx
    .updateTable('grant_approvals')
    .set({ status, decided_by: decision.actor, decided_at: now, decision_reason: decision.reason ?? null, grant_id: grantId })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeOutboxEvent(tx, {
    id: `grant.${status}:${row.id}`,
    accountId: row.account_id,
    type: `grant.${status}`,
    occurredAt: now,
    payload: {
      approvalId: row.id,
      accountId: row.account_id,
      decidedBy: decision.actor,
      reason: decision.reason ?? null,
      grantId,
      grant: row.grant_request,
    },
  });
  await writeAudit(tx, {
    actor: decision.actor,
    sourceIp: decision.sourceIp,
    requestId: decision.requestId,
    action: status === 'approved' ? 'approval.approve' : 'approval.reject',
    targetType: 'approval',
    targetId: row.id,
    accountId: row.account_id,
    reason: decision.reason ?? null,
    before: approvalView(row),
    after: approvalView(updated),
    occurredAt: now,
  });
  return updated;
}
