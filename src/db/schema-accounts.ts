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
