import type { ColumnType, Generated, Selectable } from 'kysely';

type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;

export type ConsumptionStatus =
  'reserving' | 'reserved' | 'rejected' | 'invalid' | 'unavailable' | 'completed' | 'released' | 'compensation_failed';
export type ExecuteMode = 'activity' | 'report';
export type UsageEventStatus = 'pending' | 'burned' | 'shadowed' | 'off' | 'awaiting_funds' | 'failed';

export interface PricingVersionTable {
  version: string;
  content_hash: string;
  file: string;
  effective_from: Timestamp;
  rules: Json<unknown>;
  registered_at: ColumnType<Date, Date | string | undefined, never>;
}

/** A negotiated rate for one account and feature (issue 18); never deleted, ended by ended_at. */
export interface PriceOverrideTable {
  id: string;
  account_id: string;
  feature: string;
  /** Decimal string: the rule's credits with the override's number. */
  rate: string | null;
  tiers: Json<{ upTo: string | null; credits: string }[]> | null;
  effective_from: Timestamp;
  effective_to: Timestamp | null;
  reason: string;
  created_by: string;
  created_at: Timestamp;
  ended_at: Timestamp | null;
  ended_by: string | null;
}

export interface ConsumptionTable {
  id: string;
  account_id: string;
  feature: string;
  idempotency_key: string;
  estimate: string;
  execute_mode: ExecuteMode;
  status: ConsumptionStatus;
  enforcement_mode: string;
  pricing_version: string | null;
  credit_type: string | null;
  reserved_amount: Int8 | null;
  hold_id: string | null;
  reserve_rating: Json<unknown> | null;
  actual_quantity: string | null;
  final_rating: Json<unknown> | null;
  burned_amount: Int8 | null;
  burn_transaction_ids: ColumnType<string[], string[] | undefined, string[]>;
  failure_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsageEventTable {
  id: string;
  account_id: string;
  feature: string;
  quantity: string | null;
  properties: Json;
  event_time: Timestamp;
  received_at: Timestamp;
  status: UsageEventStatus;
  enforcement_mode: string | null;
  rating: Json<unknown> | null;
  pricing_version: string | null;
  credit_type: string | null;
  cost: Int8 | null;
  transaction_id: string | null;
  closed_period_start: Timestamp | null;
  /** The account's own user the usage was for (issue 18), if the producer named one. */
  user_id: ColumnType<string | null, string | null | undefined, never>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  processed_at: Timestamp | null;
}

/** A usage event refused as late (never billed), kept so the customer's usage view can list it with its reason. */
export interface UsageEventRejectionTable {
  account_id: string;
  event_id: string;
  feature: string;
  quantity: string | null;
  event_time: Timestamp;
  received_at: Timestamp;
  reason: 'late_event';
  detail: string;
}

export interface ShadowEntryTable {
  id: Generated<bigint>;
  account_id: string;
  /** deduct and hold: POST /v1/accounts/{id}/deduct and /holds in shadow mode (source_id: the request's ledger key). */
  source: 'consumption' | 'usage_event' | 'deduct' | 'hold';
  source_id: string;
  step: string;
  credit_type: string;
  amount: Int8;
  available: Int8;
  would_block: boolean;
  /** Null for a deduct or hold: the caller named the amount, no pricing rule did. */
  pricing_version: string | null;
  rating: Json<unknown> | null;
  feature: string | null;
  created_at: Timestamp;
}

/** The global enforcement settings (one row, id true); a null column is the environment's value. */
export interface EnforcementSettingsTable {
  id: Generated<boolean>;
  mode: 'enforce' | 'shadow' | 'off' | null;
  rollout_percent: number | null;
  ledger_unavailable_policy: 'fail_open' | 'fail_closed' | null;
  updated_at: Timestamp;
  updated_by: string;
}

export interface ClosedPeriodTable {
  period_start: Timestamp;
  period_end: Timestamp;
  closed_at: Timestamp;
  closed_by: string;
}

export type Consumption = Selectable<ConsumptionTable>;
export type UsageEvent = Selectable<UsageEventTable>;
export type ShadowEntry = Selectable<ShadowEntryTable>;
