import { accountsOfMode } from '../db/account-mode-filter.js';
import type { Database, Tx } from '../db/database.js';
import type { Mode } from '../db/schema.js';
import type { DisputeRow, DisputeStatus } from '../db/schema-disputes.js';
import { NotFoundError } from '../errors.js';
import type { Viewer } from '../auth/viewer.js';

/** The disputes table and its notes (migrations/2026-11-29T150000_disputes.ts), read and locked. */

export interface DisputeNoteView {
  id: string;
  author: string;
  body: string;
  createdAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A case as the API shows it. Customers see their case, its outcome and the
 * link to the dispute view of the burn; owner, queue, notes and who opened or
 * decided it are support's (left out of the customer's view).
 */
export function disputeView(row: DisputeRow, notes: readonly DisputeNoteView[] | null, viewer: Viewer) {
  const common = {
    id: row.id,
    accountId: row.account_id,
    subject: { type: row.subject_type, transactionId: row.transaction_id, usageEventId: row.usage_event_id },
    creditType: row.credit_type,
    disputedAmount: row.disputed_amount,
    reason: row.reason,
    status: row.status,
    slaDueAt: row.sla_due_at.toISOString(),
    openedAt: row.created_at.toISOString(),
    resolution:
      row.status === 'resolved' || row.status === 'rejected'
        ? {
            outcome: row.status,
            explanation: row.explanation ?? '',
            refundedAmount: row.refunded_amount,
            refundTransactionId: row.refund_transaction_id,
            decidedAt: iso(row.decided_at),
          }
        : null,
    links: { transaction: `/v1/transactions/${row.transaction_id}` },
  };
  if (viewer === 'customer') return common;
  return {
    ...common,
    owner: row.owner,
    queue: row.queue,
    escalatedAt: iso(row.escalated_at),
    openedBy: row.opened_by,
    openedByCustomer: row.opened_by_customer,
    decidedBy: row.decided_by,
    workflowId: row.workflow_id,
    updatedAt: row.updated_at.toISOString(),
    notes: notes ?? [],
  };
}

export type DisputeView = ReturnType<typeof disputeView>;

export async function findDispute(db: Database | Tx, disputeId: string): Promise<DisputeRow> {
  const row = await db.selectFrom('disputes').selectAll().where('id', '=', disputeId).executeTakeFirst();
  if (!row) throw new NotFoundError('dispute', disputeId);
  return row;
}

/** The case's row, locked until the transaction ends: every change of a case takes this first. */
export async function lockDispute(tx: Tx, disputeId: string): Promise<DisputeRow> {
  const row = await tx.selectFrom('disputes').selectAll().where('id', '=', disputeId).forUpdate().executeTakeFirst();
  if (!row) throw new NotFoundError('dispute', disputeId);
  return row;
}

export async function notesOf(db: Database | Tx, disputeId: string): Promise<DisputeNoteView[]> {
  const rows = await db.selectFrom('dispute_notes').selectAll().where('dispute_id', '=', disputeId).orderBy('id').execute();
  return rows.map((n) => ({ id: n.id.toString(), author: n.author, body: n.body, createdAt: n.created_at.toISOString() }));
}

export interface DisputeFilter {
  accountId?: string | undefined;
  status?: DisputeStatus | undefined;
  queue?: string | undefined;
  /** Only cases opened after this one (the cursor: ids sort by creation). */
  after?: string | undefined;
  limit: number;
  /** Cases of accounts of this mode only (the key's). */
  mode: Mode;
}

/** Cases, oldest first, a page at a time. */
export async function listDisputeRows(db: Database, filter: DisputeFilter): Promise<DisputeRow[]> {
  let query = db.selectFrom('disputes').selectAll().where('account_id', 'in', accountsOfMode(filter.mode));
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.queue) query = query.where('queue', '=', filter.queue);
  if (filter.after) query = query.where('id', '>', filter.after);
  return query.orderBy('id').limit(filter.limit).execute();
}

/** The cases opened on a ledger transaction, for its dispute view. */
export async function disputesOfTransaction(db: Database, transactionId: string) {
  return db
    .selectFrom('disputes')
    .select(['id', 'status', 'account_id'])
    .where('transaction_id', '=', transactionId)
    .orderBy('id')
    .execute();
}
