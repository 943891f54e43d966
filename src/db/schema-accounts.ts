import type { ColumnType } from 'kysely';

/**
 * The accounts area's read model (src/accounts/usage-rollups.ts); created by
 * migrations/2026-11-29T101000_usage_rollups.ts and written only by its
 * trigger on ledger_entries. The ledger's own tables stay in schema.ts.
 */
type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsageRollupTable {
  account_id: string;
  width_minutes: number;
  bucket_start: Timestamp;
  credit_type: string;
  feature: string;
  burned: Int8;
  refunded: Int8;
}

/** A pool member's cap per UTC month on what it draws from its pool parents (migrations/2026-11-30T143100_pool_member_caps.ts). */
export interface PoolMemberCapTable {
  account_id: string;
  credit_type: string;
  amount: Int8;
  updated_by: string;
  updated_at: Timestamp;
}

/** What a capped pool member drew from its pool per month; written only by the ledger's SQL. */
export interface PoolMemberDrawTable {
  account_id: string;
  credit_type: string;
  period_start: Timestamp;
  drawn: Int8;
}
