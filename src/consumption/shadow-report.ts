import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { ValidationError } from '../errors.js';
import { formatAmount } from '../money/amount.js';

export interface ShadowReportRow {
  accountId: string;
  /** null: a deduct or hold that named no feature. */
  feature: string | null;
  creditType: string;
  /** What enforce mode would have refused: the count and the credits asked for. */
  refused: { count: number; credits: string };
  /** Everything shadowed in the window, refused or not. */
  shadowed: { count: number; credits: string };
}

/**
 * The steps where enforce mode says no: a consumption's reserve (its commit
 * never refuses: the excess runs into the overdraft), a usage event's burn
 * (beyond the overdraft it would wait as awaiting_funds), a deduct, a hold.
 */
const DECIDING_STEPS = ['reserve', 'burn', 'deduct', 'hold'];

/**
 * GET /v1/reports/shadow (R-C8): from what shadow mode recorded in
 * shadow_entries, per account, feature and credit type over [from, to), what
 * enforce mode would have refused, largest first. Read from the entries
 * (indexed by time), never from the ledger: shadow mode never wrote there.
 */
export async function shadowReport(db: Database, window: { from: Date; to: Date; limit: number }) {
  if (window.to <= window.from) {
    throw new ValidationError('The window is empty', [{ path: 'query.to', message: 'must be after from', code: 'invalid_window' }]);
  }
  const { rows } = await sql<{
    account_id: string;
    feature: string | null;
    credit_type: string;
    precision: number;
    refused_count: string;
    refused_units: string;
    shadowed_count: string;
    shadowed_units: string;
  }>`
    select s.account_id, s.feature, s.credit_type, c.precision,
      count(*) filter (where s.would_block)::text as refused_count,
      coalesce(sum(s.amount) filter (where s.would_block), 0)::text as refused_units,
      count(*)::text as shadowed_count,
      sum(s.amount)::text as shadowed_units
    from shadow_entries s join credit_types c on c.id = s.credit_type
    where s.created_at >= ${window.from} and s.created_at < ${window.to} and s.step = any(${DECIDING_STEPS}::text[])
    group by s.account_id, s.feature, s.credit_type, c.precision
    order by sum(s.amount) filter (where s.would_block) desc nulls last, s.account_id, s.feature nulls first, s.credit_type
    limit ${window.limit + 1}`.execute(db);
  const data: ShadowReportRow[] = rows.slice(0, window.limit).map((r) => ({
    accountId: r.account_id,
    feature: r.feature,
    creditType: r.credit_type,
    refused: { count: Number(r.refused_count), credits: formatAmount(BigInt(r.refused_units), r.precision) },
    shadowed: { count: Number(r.shadowed_count), credits: formatAmount(BigInt(r.shadowed_units), r.precision) },
  }));
  return { from: window.from.toISOString(), to: window.to.toISOString(), data, truncated: rows.length > window.limit };
}
