import { v7 as uuidv7 } from 'uuid';
import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import { refundBurnAudited } from '../consumption/service.js';
import { disputeWorkflowId, type DisputeAction, type DisputeCaseState } from '../contracts/disputes.js';
import type { Database, Tx } from '../db/database.js';
import type { DisputeRow, DisputeStatus } from '../db/schema-disputes.js';
import { inTransaction } from '../db/transaction.js';
import { ConflictError } from '../errors.js';
import type { LedgerDeps, RefundResult } from '../ledger/index.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import { disputeView, lockDispute } from './cases.js';
import type { DisputedBurn } from './subjects.js';

/**
 * Every change of a dispute case, each in one transaction with its audit
 * record and, where the customer is told, its outbox event: opening (by the
 * API), then the workflow's steps (notes, assignment, resolution with or
 * without a refund, rejection, escalation). Repeating a step that already
 * happened (an activity retried after its commit) changes nothing.
 */

const closed = (status: DisputeStatus) => status === 'resolved' || status === 'rejected';
const stateOf = (row: DisputeRow): DisputeCaseState => ({ disputeId: row.id, status: row.status, escalated: row.escalated_at !== null });
const staffView = (row: DisputeRow) => disputeView(row, null, 'staff');

export interface OpenDispute {
  accountId: string;
  burn: DisputedBurn;
  reason: string;
  queue: string;
  slaDueAt: Date;
  openedByCustomer: boolean;
}

/** Writes a new case with `dispute.opened`; one open case per burn (409 `dispute_already_open` for a second). */
export async function insertDispute(db: Database, open: OpenDispute, audit: AuditContext, now: Date): Promise<DisputeRow> {
  const id = `dsp_${uuidv7().replaceAll('-', '')}`;
  return inTransaction(db, async (tx) => {
    const already = await tx
      .selectFrom('disputes')
      .select('id')
      .where('account_id', '=', open.accountId)
      .where('transaction_id', '=', open.burn.transactionId)
      .where('usage_event_id', open.burn.usageEventId === null ? 'is' : '=', open.burn.usageEventId)
      .where('status', 'in', ['open', 'investigating'])
      .executeTakeFirst();
    if (already)
      throw new ConflictError('dispute_already_open', `Dispute ${already.id} about this burn is still open`, { disputeId: already.id });
    const row = await tx
      .insertInto('disputes')
      .values({
        id,
        account_id: open.accountId,
        subject_type: open.burn.subjectType,
        transaction_id: open.burn.transactionId,
        usage_event_id: open.burn.usageEventId,
        credit_type: open.burn.creditType,
        disputed_amount: open.burn.amount,
        reason: open.reason,
        status: 'open',
        queue: open.queue,
        opened_by: audit.actor,
        opened_by_customer: open.openedByCustomer,
        sla_due_at: open.slaDueAt,
        workflow_id: disputeWorkflowId(id),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = disputeView(row, null, 'customer');
    await writeOutboxEvent(tx, {
      id: `dispute.opened:${id}`,
      accountId: row.account_id,
      type: 'dispute.opened',
      occurredAt: now,
      payload: {
        disputeId: id,
        subject: view.subject,
        creditType: view.creditType,
        disputedAmount: view.disputedAmount,
        reason: open.reason,
        slaDueAt: view.slaDueAt,
      },
    });
    await writeAudit(tx, {
      ...audit,
      action: 'dispute.open',
      targetType: 'dispute',
      targetId: id,
      accountId: row.account_id,
      reason: open.reason,
      before: null,
      after: staffView(row),
      occurredAt: now,
    });
    return row;
  });
}

/** Applies one support action to a case (the workflow's Update calls this, one at a time). */
export async function applyDisputeAction(
  ledger: LedgerDeps,
  disputeId: string,
  action: DisputeAction,
  stepKey: string,
): Promise<DisputeCaseState> {
  if (action.action === 'resolve' && action.refund) return resolveWithRefund(ledger, disputeId, action);
  return inTransaction(ledger.db, async (tx) => {
    const row = await lockDispute(tx, disputeId);
    const now = ledger.clock();
    if (action.action === 'note') {
      await tx
        .insertInto('dispute_notes')
        .values({ dispute_id: disputeId, author: action.actor, body: action.body, created_at: now, step_key: stepKey })
        .onConflict((oc) => oc.column('step_key').doNothing())
        .execute();
      const updated = await change(tx, row, { updated_at: now });
      await writeAudit(tx, {
        ...action,
        action: 'dispute.note',
        targetType: 'dispute',
        targetId: disputeId,
        accountId: row.account_id,
        reason: action.body,
        occurredAt: now,
      });
      return stateOf(updated);
    }
    if (closed(row.status)) return stateOf(row);
    if (action.action === 'assign') {
      const updated = await change(tx, row, { owner: action.owner, status: 'investigating', updated_at: now });
      await writeAudit(tx, {
        ...action,
        action: 'dispute.assign',
        targetType: 'dispute',
        targetId: disputeId,
        accountId: row.account_id,
        before: staffView(row),
        after: staffView(updated),
        occurredAt: now,
      });
      return stateOf(updated);
    }
    return stateOf(await close(tx, row, action.action === 'resolve' ? 'resolved' : 'rejected', action, now, null));
  });
}

/**
 * Resolves a case with a refund of the disputed burn through the ledger's
 * refund (the same path as POST /v1/accounts/{id}/refunds, audited as
 * burn.refund), with the case as its reason: the case closes inside the
 * refund's own transaction, so the credits come back exactly when the case
 * is resolved. The refund's idempotency key is the case's, so a retry
 * returns the first refund.
 */
async function resolveWithRefund(ledger: LedgerDeps, disputeId: string, action: Extract<DisputeAction, { action: 'resolve' }>) {
  const row = await lockFree(ledger.db, disputeId);
  if (closed(row.status)) return stateOf(row);
  let closedRow: DisputeRow | undefined;
  const closing: LedgerDeps = {
    ...ledger,
    observers: [
      ...(ledger.observers ?? []),
      async ({ tx, result, now }) => {
        const locked = await lockDispute(tx, disputeId);
        if (closed(locked.status)) throw new ConflictError('dispute_closed', `Dispute ${disputeId} is already ${locked.status}`);
        closedRow = await close(tx, locked, 'resolved', action, now, result as RefundResult);
      },
    ],
  };
  // A usage event's share of a metering burn, unless support names another amount.
  const amount = action.amount ?? (row.subject_type === 'usage_event' ? row.disputed_amount : undefined);
  await refundBurnAudited(
    { ledger: closing },
    { accountId: row.account_id, transactionId: row.transaction_id, amount },
    {
      actor: action.actor,
      idempotencyKey: `${disputeWorkflowId(disputeId)}/refund`,
      reason: `dispute ${disputeId}: ${action.explanation}`,
    },
    action,
  );
  return stateOf(closedRow ?? (await lockFree(ledger.db, disputeId)));
}

const lockFree = (db: Database, disputeId: string) =>
  db.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirstOrThrow();

/** Moves a case still unresolved when its SLA passed to the escalation queue, with `dispute.escalated`. */
export async function escalateDispute(ledger: LedgerDeps, disputeId: string, queue: string): Promise<DisputeCaseState> {
  return inTransaction(ledger.db, async (tx) => {
    const row = await lockDispute(tx, disputeId);
    if (closed(row.status) || row.escalated_at !== null) return stateOf(row);
    const now = ledger.clock();
    const updated = await change(tx, row, { queue, escalated_at: now, updated_at: now });
    await writeOutboxEvent(tx, {
      id: `dispute.escalated:${disputeId}`,
      accountId: row.account_id,
      type: 'dispute.escalated',
      occurredAt: now,
      payload: { disputeId, status: row.status, queue, owner: row.owner, slaDueAt: row.sla_due_at.toISOString() },
    });
    await writeAudit(tx, {
      actor: 'system:dispute-sla',
      action: 'dispute.escalate',
      targetType: 'dispute',
      targetId: disputeId,
      accountId: row.account_id,
      reason: `SLA passed at ${row.sla_due_at.toISOString()}`,
      before: staffView(row),
      after: staffView(updated),
      occurredAt: now,
    });
    return stateOf(updated);
  });
}

function change(tx: Tx, row: DisputeRow, values: Partial<Omit<DisputeRow, 'id'>>): Promise<DisputeRow> {
  return tx.updateTable('disputes').set(values).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

/** Resolves or rejects a case, and tells the customer (`dispute.resolved`, either way). */
async function close(
  tx: Tx,
  row: DisputeRow,
  status: 'resolved' | 'rejected',
  action: AuditContext & { explanation: string },
  now: Date,
  refund: RefundResult | null,
) {
  const updated = await change(tx, row, {
    status,
    explanation: action.explanation,
    decided_by: action.actor,
    decided_at: now,
    refund_transaction_id: refund?.transactionId ?? null,
    refunded_amount: refund?.refunded ?? null,
    updated_at: now,
  });
  await writeOutboxEvent(tx, {
    id: `dispute.resolved:${row.id}`,
    accountId: row.account_id,
    type: 'dispute.resolved',
    occurredAt: now,
    payload: {
      disputeId: row.id,
      outcome: status,
      explanation: action.explanation,
      creditType: row.credit_type,
      refunded: refund?.refunded ?? null,
      refundTransactionId: refund?.transactionId ?? null,
    },
  });
  await writeAudit(tx, {
    ...action,
    action: status === 'resolved' ? 'dispute.resolve' : 'dispute.reject',
    targetType: 'dispute',
    targetId: row.id,
    accountId: row.account_id,
    reason: action.explanation,
    before: staffView(row),
    after: staffView(updated),
    occurredAt: now,
  });
  return updated;
}
