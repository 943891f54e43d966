import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { ValidationError } from '../errors.js';
import { fromUnits, getCreditType } from '../ledger/index.js';

export const granularities = ['day', 'week', 'month'] as const;
export type Granularity = (typeof granularities)[number];
export const usageGroupings = ['feature', 'creditType', 'user'] as const;

export interface UsageQuery {
  accountId: string;
  from: Date;
  to: Date;
  granularity: Granularity;
  groupBy: (typeof usageGroupings)[number];
  timeZone: string;
  creditType?: string | undefined;
}

export interface UsageSeries {
  creditType: string;
  /** null when grouped by credit type or user, or for burns that named no feature. */
  feature: string | null;
  /** Only when grouped by user: the user the burns were for. */
  userId?: string;
  burned: string[];
  refunded: string[];
  totalBurned: string;
  totalRefunded: string;
}

export interface UsageReport {
  accountId: string;
  timeZone: string;
  granularity: Granularity;
  groupBy: UsageQuery['groupBy'];
  from: string;
  to: string;
  /** The finest rollup cells read: 60 when every bucket edge is a whole UTC hour, else 15 (only in the hours an edge cuts). */
  resolutionMinutes: 15 | 60;
  buckets: { start: string; end: string }[];
  series: UsageSeries[];
}

export const MAX_BUCKETS = 1000;
const HOUR_MS = 3_600_000;

/**
 * Credits burned (burn and commit entries) and refunded per bucket, for the
 * account that consumed them (the initiator, also when a pool parent's grant
 * paid). Bucket edges are local midnights (day), Mondays (ISO week) or first
 * days of the month in `timeZone`, DST included: `from` is moved back to the
 * start of its bucket and `to` forward to the end of its bucket. Answered from
 * usage_rollups (migrations/2026-11-29T101000_usage_rollups.ts), never from
 * the entries, so the cost follows the number of cells, not of entries.
 */
export async function usageReport(db: Database, q: UsageQuery): Promise<UsageReport> {
  if (q.to <= q.from) throw new ValidationError('Empty range', [{ path: 'query.to', message: 'must be later than from' }]);
  const step = sql.lit(`1 ${q.granularity}`);
  const unit = sql.lit(q.granularity);
  const edges = await timeZoneQuery(
    q.timeZone,
    sql<{ edge: Date; aligned: number }>`
      select (l at time zone ${q.timeZone}) as edge,
             (extract(epoch from (l at time zone ${q.timeZone}))::int8 % 3600 = 0)::int as aligned
      from generate_series(
        date_trunc(${unit}, ${q.from}::timestamptz at time zone ${q.timeZone}),
        date_trunc(${unit}, (${q.to}::timestamptz - interval '1 microsecond') at time zone ${q.timeZone}) + interval ${step},
        interval ${step}) as l
      limit ${MAX_BUCKETS + 2}`.execute(db),
  );
  if (edges.rows.length > MAX_BUCKETS + 1) {
    throw new ValidationError('Too many buckets', [
      { path: 'query.from', message: `at most ${MAX_BUCKETS} ${q.granularity} buckets per request; narrow the range` },
    ]);
  }
  const starts = edges.rows.slice(0, -1).map((r) => r.edge.toISOString());
  const first = edges.rows[0]!.edge;
  const last = edges.rows[edges.rows.length - 1]!.edge;
  const byFeature = q.groupBy === 'feature';
  // Hourly cells everywhere, except in the UTC hours that a bucket edge cuts
  // (zones with :30 and :45 offsets): there the four 15-minute cells instead.
  const cutHours = [
    ...new Set(
      edges.rows.filter((r) => r.aligned !== 1).map((r) => new Date(Math.floor(r.edge.getTime() / HOUR_MS) * HOUR_MS).toISOString()),
    ),
  ];
  const feature = byFeature ? sql`r.feature` : sql`''`;
  const onlyType = q.creditType ? sql`and r.credit_type = ${q.creditType}` : sql``;
  const edgeList = edges.rows.map((r) => r.edge.toISOString());

  // width_bucket finds each cell's bucket by binary search over the edges: no time-zone arithmetic per cell.
  const cells =
    q.groupBy === 'user'
      ? await userCells(db, q, edgeList)
      : await sql<Cell>`
    with cut as (select unnest(${cutHours}::timestamptz[]) as h),
    cells as (
      select r.bucket_start, r.credit_type, ${feature} as feature, r.burned, r.refunded
      from usage_rollups r
      where r.account_id = ${q.accountId} and r.width_minutes = 60
        and r.bucket_start >= ${new Date(Math.floor(first.getTime() / HOUR_MS) * HOUR_MS)} and r.bucket_start < ${last} ${onlyType}
        and not exists (select 1 from cut where cut.h = r.bucket_start)
      union all
      select r.bucket_start, r.credit_type, ${feature}, r.burned, r.refunded
      from cut join usage_rollups r on r.account_id = ${q.accountId} and r.width_minutes = 15
        and r.bucket_start >= cut.h and r.bucket_start < cut.h + interval '1 hour'
      where true ${onlyType}
    )
    select width_bucket(bucket_start, ${edgeList}::timestamptz[]) as i,
           credit_type, feature, sum(burned)::int8 as burned, sum(refunded)::int8 as refunded
    from cells
    where bucket_start >= ${first} and bucket_start < ${last}
    group by 1, 2, 3
    order by 2, 3, 1`.execute(db);

  const series = new Map<string, { creditType: string; feature: string | null; userId?: string; burned: bigint[]; refunded: bigint[] }>();
  for (const row of cells.rows) {
    const key = `${row.credit_type}\u0000${row.feature}`;
    let s = series.get(key);
    if (!s) {
      const group = q.groupBy === 'user' ? { feature: null, userId: row.feature } : { feature: row.feature || null };
      s = { creditType: row.credit_type, ...group, burned: starts.map(() => 0n), refunded: starts.map(() => 0n) };
      series.set(key, s);
    }
    s.burned[row.i - 1] = row.burned;
    s.refunded[row.i - 1] = row.refunded;
  }
  const out: UsageSeries[] = [];
  for (const s of series.values()) {
    const ct = await getCreditType(db, s.creditType);
    const fmt = (v: bigint) => fromUnits(ct, v);
    out.push({
      creditType: s.creditType,
      feature: s.feature,
      ...(s.userId !== undefined && { userId: s.userId }),
      burned: s.burned.map(fmt),
      refunded: s.refunded.map(fmt),
      totalBurned: fmt(s.burned.reduce((a, b) => a + b, 0n)),
      totalRefunded: fmt(s.refunded.reduce((a, b) => a + b, 0n)),
    });
  }
  return {
    accountId: q.accountId,
    timeZone: q.timeZone,
    granularity: q.granularity,
    groupBy: q.groupBy,
    from: first.toISOString(),
    to: last.toISOString(),
    resolutionMinutes: cutHours.length > 0 ? 15 : 60,
    buckets: starts.map((start, i) => ({ start, end: edges.rows[i + 1]!.edge.toISOString() })),
    series: out,
  };
}

interface Cell {
  i: number;
  credit_type: string;
  feature: string;
  burned: bigint;
  refunded: bigint;
}

/**
 * groupBy=user: the burns (burn and commit entries) and refunds of the
 * account's ledger transactions that name a user (deducts, holds' commits,
 * refunds of them; usage events' burns), whichever pool account's grants
 * paid. Read from the entries, not the rollups (which have no user), through
 * the account's attributed transactions only.
 */
function userCells(db: Database, q: UsageQuery, edges: readonly string[]) {
  const onlyType = q.creditType ? sql`and e.credit_type = ${q.creditType}` : sql``;
  return sql<Cell>`
    select width_bucket(e.created_at, ${edges}::timestamptz[]) as i, e.credit_type, t.user_id as feature,
      coalesce(sum(e.amount) filter (where e.entry_type in ('burn', 'commit')), 0)::int8 as burned,
      coalesce(sum(e.amount) filter (where e.entry_type = 'refund'), 0)::int8 as refunded
    from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
    where t.account_id = ${q.accountId} and t.user_id is not null and t.kind in ('deduct', 'commit', 'refund')
      and e.entry_type in ('burn', 'commit', 'refund') ${onlyType}
      and e.created_at >= ${edges[0]}::timestamptz and e.created_at < ${edges[edges.length - 1]}::timestamptz
    group by 1, 2, 3
    order by 2, 3, 1`.execute(db);
}

/** PostgreSQL's own word on a time zone it does not know is a field error, not a 500. */
async function timeZoneQuery<T>(timeZone: string, run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    if ((error as { code?: string }).code === '22023' && /time zone/i.test((error as Error).message)) {
      throw new ValidationError('Unknown time zone', [
        { path: 'query.timeZone', message: `${timeZone} is not a time zone PostgreSQL knows` },
      ]);
    }
    throw error;
  }
}
