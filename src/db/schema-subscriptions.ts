import type { ColumnType, Selectable } from 'kysely';

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
