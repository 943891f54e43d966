import type { ColumnType, Selectable } from 'kysely';

/** Tables of customer email (issue 19); see migrations/2026-11-30T130000_customer_email.ts. */
type Int8 = ColumnType<bigint, bigint | number, bigint>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface EmailSettingsTable {
  account_id: string;
  opt_out: Defaulted<string[]>;
  updated_at: TimestampDefault;
}

export interface EmailRecipientTable {
  account_id: string;
  email: string;
  locale: Defaulted<string>;
}

export type EmailDeliveryStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

export interface EmailDeliveryTable {
  id: string;
  event_id: string;
  event_seq: Int8;
  account_id: string;
  kind: string;
  recipient: string;
  locale: string;
  status: Defaulted<EmailDeliveryStatus>;
  attempts: Defaulted<number>;
  last_error: string | null;
  workflow_started: Defaulted<boolean>;
  created_at: CreatedAt;
  last_attempt_at: Timestamp | null;
  completed_at: Timestamp | null;
}

export type EmailDelivery = Selectable<EmailDeliveryTable>;

/** The email tables, mixed into DB (src/db/schema.ts). */
export interface EmailTables {
  email_settings: EmailSettingsTable;
  email_recipients: EmailRecipientTable;
  email_deliveries: EmailDeliveryTable;
}
