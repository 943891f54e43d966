import type { ColumnType, Selectable } from 'kysely';
import type { Mode } from './schema.js';

/** Tables of notifications: the outbox relay, balance alerts and customer webhooks; see migrations/2026-11-21T040000_notifications.ts. */
type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Int8Default = ColumnType<bigint, bigint | number | undefined, bigint>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface OutboxRelayStateTable {
  name: string;
  cursor_seq: Int8Default;
  updated_at: TimestampDefault;
}

export interface OutboxDispatchTable {
  seq: Int8;
  event_id: string;
  dispatched_at: TimestampDefault;
}

export interface BalanceAlertSettingsTable {
  account_id: string;
  credit_type: string;
  low_threshold: Int8;
  rearm_threshold: Int8;
  updated_at: TimestampDefault;
}

export interface BalanceAlertStateTable {
  account_id: string;
  credit_type: string;
  low_active: Defaulted<boolean>;
  depleted_active: Defaulted<boolean>;
  updated_at: TimestampDefault;
}

export interface WebhookEndpointTable {
  id: string;
  account_id: string | null;
  url: string;
  event_types: string[];
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
  mode: ColumnType<Mode, Mode | undefined, never>;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_seq: Int8;
  account_id: string | null;
  status: Defaulted<WebhookDeliveryStatus>;
  attempts: Defaulted<number>;
  last_status_code: number | null;
  last_error: string | null;
  replays: Defaulted<number>;
  workflow_started: Defaulted<boolean>;
  created_at: CreatedAt;
  last_attempt_at: Timestamp | null;
  completed_at: Timestamp | null;
}

export interface WebhookEndpointHealthTable {
  endpoint_id: string;
  consecutive_failures: Defaulted<number>;
  open_until: Timestamp | null;
  updated_at: TimestampDefault;
}

export type WebhookEndpoint = Selectable<WebhookEndpointTable>;
export type WebhookDelivery = Selectable<WebhookDeliveryTable>;
