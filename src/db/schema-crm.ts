import type { ColumnType, Selectable } from 'kysely';

/** Tables of the HubSpot sync; created by migrations/2026-11-21T040000_notifications.ts. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface CrmLinkTable {
  account_id: string;
  company_id: string | null;
  domain: string | null;
  owner_id: string | null;
  linked_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** Inbound HubSpot webhook deliveries already applied (replay protection), by signature digest. */
export interface CrmInboundDeliveryTable {
  signature_digest: string;
  received_at: Date;
}

export interface CrmSyncMarkTable {
  account_id: string;
  pending: Defaulted<boolean>;
  marked_at: TimestampDefault;
}

export interface CrmTaskTable {
  event_id: string;
  account_id: string;
  kind: string;
  status: Defaulted<'pending' | 'created'>;
  hubspot_task_id: string | null;
  created_at: CreatedAt;
}

export type CrmLink = Selectable<CrmLinkTable>;
