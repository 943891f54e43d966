import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One administrative action (R-S2). Append-only: a trigger rejects UPDATE and DELETE. */
export interface AuditLogTable {
  id: Generated<bigint>;
  occurred_at: Timestamp;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  account_id: string | null;
  source_ip: string | null;
  request_id: string | null;
  reason: string | null;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
}

export interface GdprErasureTable {
  account_id: string;
  requested_by: string;
  erased_at: Timestamp;
  fields: string[];
}

/** Chain heads recorded by the anchoring Schedule, under an HMAC whose key is not in the database (issue 14). */
export interface LedgerAnchorTable {
  id: Generated<bigint>;
  anchored_at: Timestamp;
  heads: number;
  prev_mac: Buffer | null;
  mac: Buffer;
}

export interface LedgerAnchorHeadTable {
  anchor_id: bigint;
  account_id: string;
  credit_type: string;
  seq: bigint;
  hash: Buffer;
  mac: Buffer;
}

export type AuditLogRow = Selectable<AuditLogTable>;
