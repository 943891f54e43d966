/**
 * Subscription period arithmetic, pure so workflows and activities share it.
 * Period k starts at anchor + k·count units; months are calendar months in
 * UTC with the anchor's day clamped to the month's last day (an anchor on the
 * 31st gives 30 April, 28/29 February), so periods never drift.
 */
export type PeriodUnit = 'day' | 'month' | 'year';
export interface PeriodSpec {
  unit: PeriodUnit;
  count: number;
}

function addUnits(anchorMs: number, unit: PeriodUnit, n: number): number {
  const anchor = new Date(anchorMs);
  if (unit === 'day') return anchorMs + n * 86_400_000;
  const months = unit === 'year' ? 12 * n : n;
  const y = anchor.getUTCFullYear();
  const m = anchor.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return Date.UTC(
    targetYear,
    targetMonth,
    Math.min(anchor.getUTCDate(), lastDay),
    anchor.getUTCHours(),
    anchor.getUTCMinutes(),
    anchor.getUTCSeconds(),
    anchor.getUTCMilliseconds(),
  );
}

export function periodStart(anchorMs: number, period: PeriodSpec, index: number): number {
  return addUnits(anchorMs, period.unit, index * period.count);
}

export function periodBounds(anchorMs: number, period: PeriodSpec, index: number): { start: number; end: number } {
  return { start: periodStart(anchorMs, period, index), end: periodStart(anchorMs, period, index + 1) };
}
