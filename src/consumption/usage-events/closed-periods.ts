import type { Database, Tx } from '../../db/database.js';

/**
 * The closed-period notion the usage-event burn needs (R-C6): a row in
 * closed_periods marks [period_start, period_end) as closed. Month-end close
 * (finance) writes the rows; metering only reads them. An event whose time
 * falls in a closed period is not booked into that period: it burns now, in
 * the open period, as an adjusting burn that names the closed period.
 */
export async function closedPeriodAt(db: Database | Tx, at: Date): Promise<{ periodStart: Date; periodEnd: Date } | null> {
  const row = await db
    .selectFrom('closed_periods')
    .select(['period_start', 'period_end'])
    .where('period_start', '<=', at)
    .where('period_end', '>', at)
    .executeTakeFirst();
  return row ? { periodStart: row.period_start, periodEnd: row.period_end } : null;
}
