import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * The usage rollups: credits burned and refunded per account, credit type,
 * feature and UTC cell of 15 and 60 minutes, kept by a trigger on
 * ledger_entries (migrations/2026-11-29T101000_usage_rollups.ts). Read by the
 * usage report (usage-report.ts) and the balance summary's burn rates (here);
 * checked against the entries after every test (checkUsageRollups).
 */
const DAY_MS = 86_400_000;

export interface RollupMismatch {
  accountId: string;
  widthMinutes: number;
  bucketStart: string;
  creditType: string;
  feature: string;
  rollup: { burned: string; refunded: string } | null;
  entries: { burned: string; refunded: string } | null;
}

/**
 * The usage rollups' invariant: every cell equals the sums of the entries it
 * covers, and no entry is left out. Empty when it holds (tests check it after
 * every test, beside the ledger's own invariants).
 */
export async function checkUsageRollups(db: Database, limit = 20): Promise<RollupMismatch[]> {
  const { rows } = await sql<{
    account_id: string;
    width_minutes: number;
    bucket_start: Date;
    credit_type: string;
    feature: string;
    r_burned: bigint | null;
    r_refunded: bigint | null;
    e_burned: bigint | null;
    e_refunded: bigint | null;
  }>`
    with from_entries as (
      select e.initiator_account_id as account_id, w.width as width_minutes,
             date_bin(make_interval(mins => w.width), e.created_at, timestamptz '2000-01-01 00:00:00+00') as bucket_start,
             e.credit_type, coalesce(e.feature, '') as feature,
             coalesce(sum(e.amount) filter (where e.entry_type <> 'refund'), 0)::int8 as burned,
             coalesce(sum(e.amount) filter (where e.entry_type = 'refund'), 0)::int8 as refunded
      from ledger_entries e cross join (values (15::smallint), (60::smallint)) as w(width)
      where e.entry_type in ('burn', 'commit', 'refund')
      group by 1, 2, 3, 4, 5
    )
    select coalesce(r.account_id, x.account_id) as account_id, coalesce(r.width_minutes, x.width_minutes) as width_minutes,
           coalesce(r.bucket_start, x.bucket_start) as bucket_start, coalesce(r.credit_type, x.credit_type) as credit_type,
           coalesce(r.feature, x.feature) as feature,
           r.burned as r_burned, r.refunded as r_refunded, x.burned as e_burned, x.refunded as e_refunded
    from usage_rollups r
    full join from_entries x using (account_id, width_minutes, bucket_start, credit_type, feature)
    where r.burned is distinct from x.burned or r.refunded is distinct from x.refunded
    limit ${limit}`.execute(db);
  return rows.map((r) => ({
    accountId: r.account_id,
    widthMinutes: r.width_minutes,
    bucketStart: r.bucket_start.toISOString(),
    creditType: r.credit_type,
    feature: r.feature,
    rollup: r.r_burned === null ? null : { burned: r.r_burned.toString(), refunded: r.r_refunded!.toString() },
    entries: r.e_burned === null ? null : { burned: r.e_burned.toString(), refunded: r.e_refunded!.toString() },
  }));
}

/**
 * Net burned over the last 7 and 30 days, and over the 7 days before the last
 * 7 (week-over-week growth: the CRM's upsell signal), in whole hours before
 * `hour` plus the hour so far, from the hourly rollup cells.
 */
export async function netBurned(
  db: Database,
  accountId: string,
  hour: Date,
): Promise<Map<string, { d7: bigint; d30: bigint; previous7: bigint }>> {
  const since7 = new Date(hour.getTime() - 7 * DAY_MS);
  const since14 = new Date(hour.getTime() - 14 * DAY_MS);
  const since30 = new Date(hour.getTime() - 30 * DAY_MS);
  const { rows } = await sql<{ credit_type: string; d7: bigint; d30: bigint; previous7: bigint }>`
    select credit_type,
           coalesce(sum(burned - refunded) filter (where bucket_start >= ${since7}), 0)::int8 as d7,
           coalesce(sum(burned - refunded) filter (where bucket_start >= ${since14} and bucket_start < ${since7}), 0)::int8 as previous7,
           coalesce(sum(burned - refunded), 0)::int8 as d30
    from usage_rollups
    where account_id = ${accountId} and width_minutes = 60 and bucket_start >= ${since30}
    group by credit_type`.execute(db);
  return new Map(rows.map((r) => [r.credit_type, { d7: r.d7, d30: r.d30, previous7: r.previous7 }]));
}
