import type { Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import { formatMoney } from '../money/amount.js';
import { closeProgress, type CloseProgress } from './progress.js';

export interface PeriodRevenue {
  currency: string;
  sold: string;
  recognized: string;
  breakage: string;
  voided: string;
  /** Deferred revenue at the end of the period (purchased credits not yet burned or expired). */
  closingDeferred: string;
}

export interface PeriodListItem {
  period: string;
  status: CloseProgress['status'];
  /** The close workflow's live step, asked only while the close is under way. */
  step: CloseProgress['step'];
  startedBy: string;
  startedAt: string;
  approvedBy: string | null;
  postedAt: string | null;
  error: string | null;
  /** From the computed journal's totals: empty until the period is computed. */
  revenue: PeriodRevenue[];
}

interface StoredTotals {
  purchased?: {
    currency: string;
    soldMinor: string;
    recognizedMinor: string;
    breakageMinor: string;
    voidedMinor: string;
    closingDeferredMinor: string;
  }[];
}

const money = (minor: string, currency: string) => formatMoney(BigInt(minor), currency).amount;

/**
 * Periods with a close, newest first, for the finance page: status, live step
 * and the month's deferred, recognized and breakage revenue (per purchase
 * currency, from the totals the close stored). Finished closes are not
 * queried: their workflow may be long gone and their record says it all.
 */
export async function listPeriods(db: Database, temporal: Client, limit: number): Promise<PeriodListItem[]> {
  const rows = await db.selectFrom('finance_periods').selectAll().orderBy('period', 'desc').limit(limit).execute();
  return Promise.all(
    rows.map(async (r) => {
      const finished = r.status === 'posted' || r.status === 'failed';
      const live = finished ? undefined : await closeProgress(db, temporal, r.period);
      const totals = (r.totals ?? {}) as StoredTotals;
      return {
        period: r.period,
        status: live?.status ?? r.status,
        step: live?.step ?? null,
        startedBy: r.started_by,
        startedAt: r.started_at.toISOString(),
        approvedBy: r.approved_by,
        postedAt: r.posted_at?.toISOString() ?? null,
        error: r.error,
        revenue: (totals.purchased ?? []).map((c) => ({
          currency: c.currency,
          sold: money(c.soldMinor, c.currency),
          recognized: money(c.recognizedMinor, c.currency),
          breakage: money(c.breakageMinor, c.currency),
          voided: money(c.voidedMinor, c.currency),
          closingDeferred: money(c.closingDeferredMinor, c.currency),
        })),
      };
    }),
  );
}
