import type { ColumnType, Selectable } from 'kysely';

type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Int8Default = ColumnType<bigint, bigint | number | undefined, bigint>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type PurchaseOrigin = 'purchase' | 'recharge' | 'subscription';
export type PurchaseStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'refunded' | 'partially_refunded';
export type PaymentFlag = 'recharge_failed' | 'disputed';

export interface StripeCustomerTable {
  account_id: string;
  customer_id: string;
  created_at: CreatedAt;
}

export interface PurchaseTable {
  id: string;
  account_id: string;
  origin: PurchaseOrigin;
  bundle_id: string;
  catalog_version: string;
  quantity: number;
  credit_type: string;
  /** Credits in the credit type's smallest unit. */
  credits: Int8;
  amount_minor: Int8;
  currency: string;
  status: PurchaseStatus;
  payment_intent_id: string | null;
  workflow_id: string | null;
  grant_id: string | null;
  refunded_minor: Int8Default;
  failure_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StripeEventTable {
  id: string;
  type: string;
  processed_at: CreatedAt;
}

export interface RechargeSettingsTable {
  account_id: string;
  credit_type: string;
  enabled: boolean;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  threshold: Int8;
  bundle_id: string;
  quantity: number;
  top_up_to: Int8 | null;
  monthly_cap_minor: Int8;
  currency: string;
  payment_method_id: string | null;
  /** Set (inside the burn's transaction) when available fell below the threshold; cleared when a recharge plans. */
  trigger_pending_since: Timestamp | null;
  updated_at: Timestamp;
}

export interface PaymentAccountFlagTable {
  account_id: string;
  flag: PaymentFlag;
  reference: string;
  detail: string;
  created_at: Timestamp;
}

export type Purchase = Selectable<PurchaseTable>;
export type RechargeSettings = Selectable<RechargeSettingsTable>;
