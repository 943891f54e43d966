import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { bucketOf, CostBasisAllocator, type RevenueBucket } from './cost-basis.js';
import { periodOf, type Period } from './periods.js';

/** Currency code of credits that carry no cost basis (ISO 4217 "no currency"). */
export const NO_CURRENCY = 'XXX';

/** Purchased credits of one currency, in minor units. */
export interface CurrencyTotals {
  currency: string;
  openingDeferred: bigint;
  sold: bigint;
  recognized: bigint;
  breakage: bigint;
  voided: bigint;
  closingDeferred: bigint;
}

/** A movement of money out of deferred revenue, by what caused it. */
export interface RevenueMovement {
  bucket: RevenueBucket;
  currency: string;
  creditType: string;
  feature: string | null;
  amount: bigint;
}

/** Promotional, support and other zero-cost-basis credits, reported apart, in credits. */
export interface ZeroBasisTotals {
  source: string;
  creditType: string;
  granted: bigint;
  consumed: bigint;
  expired: bigint;
  voided: bigint;
}

export interface UsageSummaryRow {
  customerId: string;
  feature: string;
  creditType: string;
  currency: string;
  credits: bigint;
  revenue: bigint;
}

export interface RevenueReport {
  period: string;
  frozenAt: Date;
  currencies: CurrencyTotals[];
  movements: RevenueMovement[];
  zeroBasis: ZeroBasisTotals[];
  usage: UsageSummaryRow[];
  /** Overdraft burns (no grant yet) per credit type; they become revenue when settled. */
  unfundedCredits: Record<string, bigint>;
}

interface EntryRow {
  id: bigint;
  account_id: string;
  grant_id: string;
  entry_type: string;
  amount: bigint;
  credit_type: string;
  feature: string | null;
  initiator_account_id: string;
  created_at: Date;
  event_time: Date | null;
  source: string;
  grant_amount: bigint;
  cost_basis_minor: bigint | null;
  cost_basis_currency: string | null;
}

/**
 * The period an entry counts in. Usage counts in the month its usage event
 * happened, as long as it was burned before that month was frozen; a late
 * event burned after the freeze adjusts the open period it was burned in.
 * Everything else counts when it was written.
 */
export function homePeriod(effectiveAt: Date, createdAt: Date, frozen: ReadonlyMap<string, Date>): string {
  const own = periodOf(effectiveAt);
  const frozenAt = frozen.get(own);
  return frozenAt && createdAt > frozenAt ? periodOf(createdAt) : own;
}

async function hasTable(db: Database, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(db);
  return rows[0]?.found != null;
}

const PAGE = 5000;

/**
 * Revenue recognition of one period (R-I3), computed from the ledger as it was
 * at the freeze, of live accounts only: test-mode activity never reaches the
 * books or the accounting export (docs/TEST-MODE.md). Every grant's entries are walked in ledger order (FIFO per
 * grant) from its first entry, so each burn, expiry or void gets the same
 * piece of cost basis whichever period is being closed; the pieces are then
 * summed by the period they count in. Entries are read in keyset pages
 * (index ledger_entries_grant_idx), so memory stays bounded by the page and
 * the aggregates.
 */
export async function computeRevenue(db: Database, period: Period, frozenAt: Date): Promise<RevenueReport> {
  const closed = await db.selectFrom('closed_periods').select(['period_start', 'closed_at']).execute();
  const frozen = new Map(closed.map((c) => [periodOf(c.period_start), c.closed_at]));
  frozen.set(period.id, frozenAt);
  const withEvents = await hasTable(db, 'usage_events');
  const eventTime = withEvents
    ? sql`(select ue.event_time from usage_events ue where ue.account_id = e.initiator_account_id and ue.id = e.usage_event_id)`
    : sql`null::timestamptz`;

  const currencies = new Map<string, CurrencyTotals>();
  const currencyTotals = (currency: string) => {
    let t = currencies.get(currency);
    if (!t) {
      t = { currency, openingDeferred: 0n, sold: 0n, recognized: 0n, breakage: 0n, voided: 0n, closingDeferred: 0n };
      currencies.set(currency, t);
    }
    return t;
  };
  const movements = new Map<string, RevenueMovement>();
  const zeroBasis = new Map<string, ZeroBasisTotals>();
  const usage = new Map<string, UsageSummaryRow>();

  let grantKey = '';
  let allocator: CostBasisAllocator | null = null;
  let cursor: { account: string; grant: string; id: bigint } | null = null;
  for (;;) {
    const after: ReturnType<typeof sql> = cursor
      ? sql`and (e.account_id, e.grant_id, e.id) > (${cursor.account}, ${cursor.grant}, ${cursor.id})`
      : sql``;
    const { rows }: { rows: EntryRow[] } = await sql<EntryRow>`
      select e.id, e.account_id, e.grant_id, e.entry_type, e.amount, e.credit_type, e.feature, e.initiator_account_id,
             e.created_at, ${eventTime} as event_time,
             g.source, g.amount as grant_amount, g.cost_basis_minor, g.cost_basis_currency
      from ledger_entries e
      join grants g on g.account_id = e.account_id and g.id = e.grant_id
      join accounts a on a.id = e.account_id and a.mode = 'live'
      where e.grant_id is not null and e.created_at <= ${frozenAt} ${after}
      order by e.account_id, e.grant_id, e.id
      limit ${PAGE}`.execute(db);
    for (const row of rows) {
      const key = `${row.account_id}\u0000${row.grant_id}`;
      if (key !== grantKey) {
        grantKey = key;
        allocator = row.cost_basis_minor === null ? null : new CostBasisAllocator(row.cost_basis_minor, row.grant_amount);
      }
      const home = homePeriod(row.event_time ?? row.created_at, row.created_at, frozen);
      if (home > period.id) {
        // Counts in a later period; it still moves the grant so later pieces stay exact.
        const b = bucketOf(row.entry_type);
        if (b && allocator) allocator.move(b.sign * row.amount);
        continue;
      }
      const current = home === period.id;
      const currency = row.cost_basis_currency ?? NO_CURRENCY;
      const b = bucketOf(row.entry_type);
      const piece = b && allocator ? allocator.move(b.sign * row.amount) : 0n;

      if (allocator) {
        const totals = currencyTotals(currency);
        if (row.entry_type === 'grant') {
          if (current) totals.sold += row.cost_basis_minor!;
          else totals.openingDeferred += row.cost_basis_minor!;
        } else if (b) {
          if (current) {
            totals[b.bucket] += piece;
            const feature = b.bucket === 'recognized' ? row.feature : null;
            const mKey = [b.bucket, currency, row.credit_type, feature ?? ''].join('\u0000');
            const m = movements.get(mKey) ?? { bucket: b.bucket, currency, creditType: row.credit_type, feature, amount: 0n };
            m.amount += piece;
            movements.set(mKey, m);
          } else {
            totals.openingDeferred -= piece;
          }
        }
      } else if (current) {
        const zKey = `${row.source}\u0000${row.credit_type}`;
        const z = zeroBasis.get(zKey) ?? {
          source: row.source,
          creditType: row.credit_type,
          granted: 0n,
          consumed: 0n,
          expired: 0n,
          voided: 0n,
        };
        if (row.entry_type === 'grant') z.granted += row.amount;
        else if (b?.bucket === 'recognized') z.consumed += b.sign * row.amount;
        else if (b?.bucket === 'breakage') z.expired += row.amount;
        else if (b?.bucket === 'voided') z.voided += row.amount;
        zeroBasis.set(zKey, z);
      }

      if (current && b?.bucket === 'recognized') {
        const feature = row.feature ?? '(none)';
        const uKey = [row.initiator_account_id, feature, row.credit_type, currency].join('\u0000');
        const u = usage.get(uKey) ?? {
          customerId: row.initiator_account_id,
          feature,
          creditType: row.credit_type,
          currency,
          credits: 0n,
          revenue: 0n,
        };
        u.credits += b.sign * row.amount;
        u.revenue += piece;
        usage.set(uKey, u);
      }
    }
    if (rows.length < PAGE) break;
    const last: EntryRow = rows[rows.length - 1]!;
    cursor = { account: last.account_id, grant: last.grant_id, id: last.id };
  }

  for (const t of currencies.values()) {
    t.closingDeferred = t.openingDeferred + t.sold - t.recognized - t.breakage - t.voided;
  }
  const unfunded = await sql<{ credit_type: string; amount: bigint }>`
    select e.credit_type, sum(e.amount)::int8 as amount from ledger_entries e
    join accounts a on a.id = e.account_id and a.mode = 'live'
    where e.grant_id is null and e.entry_type = 'burn' and e.created_at >= ${period.start} and e.created_at < ${period.end}
      and e.created_at <= ${frozenAt}
    group by e.credit_type`.execute(db);

  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return {
    period: period.id,
    frozenAt,
    currencies: byKey(currencies),
    movements: byKey(movements).filter((m) => m.amount !== 0n),
    zeroBasis: byKey(zeroBasis),
    usage: byKey(usage),
    unfundedCredits: Object.fromEntries(unfunded.rows.map((r) => [r.credit_type, r.amount])),
  };
}
