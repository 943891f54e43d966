/** How many months the wallet offers statements for, newest first (older ones stay available through the API). */
export const MONTHS_SHOWN = 12;

/** The UTC month of an instant, as YYYY-MM (statements are UTC months, like month-end close). */
export function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** UTC months (YYYY-MM) from the one of `since` to the one of `now`, newest first, at most MONTHS_SHOWN. */
export function statementMonths(since: Date, now: Date): string[] {
  const months: string[] = [];
  const first = since.getUTCFullYear() * 12 + since.getUTCMonth();
  for (let m = now.getUTCFullYear() * 12 + now.getUTCMonth(); m >= first && months.length < MONTHS_SHOWN; m--) {
    months.push(`${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}
