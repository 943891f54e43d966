import type { ColumnType, Selectable } from 'kysely';

type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

/** A support or sales grant above the requester's limit, waiting for an approver (R-G4). */
export interface GrantApprovalTable {
  id: string;
  account_id: string;
  status: ColumnType<ApprovalStatus, ApprovalStatus | undefined, ApprovalStatus>;
  grant_request: Json<unknown>;
  reason_code: string;
  reason: string;
  requested_by: string;
  /** The API key that asked: it never decides its own request. */
  requested_by_key: string | null;
  requested_scopes: string[];
  timeout_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  grant_id: string | null;
  workflow_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** A grant whose remaining amount crossed zero; its expiry timer is due a wake-up (see the migration). */
export interface GrantTimerMarkTable {
  account_id: string;
  grant_id: string;
  pending: ColumnType<boolean, boolean | undefined, boolean>;
  version: ColumnType<bigint, bigint | undefined, bigint>;
  marked_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type GrantApproval = Selectable<GrantApprovalTable>;

/** See migrations/2026-11-21T060000_subscriptions.ts. */
export interface SubscriptionTable {
  id: string;
  account_id: string;
  workflow_id: string;
  plan_id: string;
  plan_version: string;
  anchor_at: ColumnType<Date, Date | string, Date | string>;
  /** The trial this subscription converted from; null when started directly. */
  trial_id: string | null;
  created_by: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export type SubscriptionRow = Selectable<SubscriptionTable>;
