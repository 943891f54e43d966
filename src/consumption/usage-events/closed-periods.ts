import type { Database, Tx } from '../../db/database.js';

export interface ClosedPeriod {
  periodStart: Date;
  periodEnd: Date;
}

/**
 * The closed-period notion the usage-event burn needs (R-C6): a row in
 * closed_periods marks [period_start, period_end) as closed. Month-end close
 * (finance) writes the rows; metering only reads them. An event whose time
 * falls in a closed period is not booked into that period: it burns now, in
 * the open period, as an adjusting burn that names the closed period.
 */
export async function closedPeriodAt(db: Database | Tx, at: Date): Promise<ClosedPeriod | null> {
  return (await closedPeriodsBetween(db, at, at))(at);
}

/** The closed periods that meet [from, to], read once: a lookup by instant for a batch of events. */
export async function closedPeriodsBetween(db: Database | Tx, from: Date, to: Date): Promise<(at: Date) => ClosedPeriod | null> {
  const rows = await db
    .selectFrom('closed_periods')
    .select(['period_start', 'period_end'])
    .where('period_start', '<=', to)
    .where('period_end', '>', from)
    .execute();
  const periods = rows.map((r) => ({ periodStart: r.period_start, periodEnd: r.period_end }));
  return (at) => periods.find((p) => p.periodStart <= at && p.periodEnd > at) ?? null;
}
