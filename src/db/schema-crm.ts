import type { ColumnType, Selectable } from 'kysely';

/** Tables of the HubSpot sync; created by migrations/2026-11-21T040000_notifications.ts and 2026-11-30T132000_crm_timeline_upsell.ts. */
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

/** History items shown as HubSpot notes (migrations/2026-11-30T132000_crm_timeline_upsell.ts), by note key. */
export interface CrmTimelineNoteTable {
  note_key: string;
  account_id: string;
  hubspot_note_id: string;
  synced_at: TimestampDefault;
}

/** Upsell signals fired, one per account, signal, credit type and period, and the deal or task made for each. */
export interface CrmUpsellSignalTable {
  signal_key: string;
  account_id: string;
  signal: string;
  credit_type: string;
  period: string;
  action: 'task' | 'deal';
  detail: string;
  status: Defaulted<'pending' | 'created'>;
  hubspot_object_id: string | null;
  created_at: CreatedAt;
}

/** The HubSpot sync's tables, as the database interface (schema.ts) includes them. */
export interface CrmTables {
  crm_links: CrmLinkTable;
  crm_inbound_deliveries: CrmInboundDeliveryTable;
  crm_sync_marks: CrmSyncMarkTable;
  crm_tasks: CrmTaskTable;
  crm_timeline_notes: CrmTimelineNoteTable;
  crm_upsell_signals: CrmUpsellSignalTable;
}

export type CrmLink = Selectable<CrmLinkTable>;
