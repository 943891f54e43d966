import type { ColumnType, Generated, Selectable } from 'kysely';

/** Dispute cases (src/disputes); created by migrations/2026-11-29T150000_disputes.ts. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const disputeStatuses = ['open', 'investigating', 'resolved', 'rejected'] as const;
export type DisputeStatus = (typeof disputeStatuses)[number];
export type DisputeSubjectType = 'transaction' | 'usage_event';

export interface DisputeTable {
  id: string;
  account_id: string;
  subject_type: DisputeSubjectType;
  /** The disputed burn; for a usage event, the burn that event caused. */
  transaction_id: string;
  usage_event_id: string | null;
  credit_type: string;
  /** What the subject burned, a decimal string in the credit type's precision. */
  disputed_amount: string;
  reason: string;
  status: DisputeStatus;
  owner: string | null;
  /** The queue the case waits in: the default one, or DISPUTE_ESCALATION_QUEUE once its SLA passed. */
  queue: string;
  opened_by: string;
  opened_by_customer: boolean;
  sla_due_at: Timestamp;
  escalated_at: Timestamp | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  explanation: string | null;
  refund_transaction_id: string | null;
  refunded_amount: string | null;
  workflow_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DisputeNoteTable {
  id: Generated<bigint>;
  dispute_id: string;
  author: string;
  body: string;
  created_at: Timestamp;
  step_key: string;
}

export type DisputeRow = Selectable<DisputeTable>;
