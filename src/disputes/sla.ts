const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DisputeSlaSettings {
  DISPUTE_SLA_HOURS: number;
  DISPUTE_SLA_BUSINESS_DAYS: number;
}

const weekend = (at: Date) => at.getUTCDay() === 0 || at.getUTCDay() === 6;

/**
 * When a case opened at `openedAt` is due. With DISPUTE_SLA_BUSINESS_DAYS
 * set, that many business days (Monday to Friday, UTC) later at the same time
 * of day, so a case opened on Friday afternoon with 2 days is due on Tuesday
 * afternoon; otherwise DISPUTE_SLA_HOURS of calendar time.
 */
export function slaDueAt(openedAt: Date, settings: DisputeSlaSettings): Date {
  if (settings.DISPUTE_SLA_BUSINESS_DAYS <= 0) return new Date(openedAt.getTime() + settings.DISPUTE_SLA_HOURS * HOUR_MS);
  let due = openedAt.getTime();
  for (let counted = 0; counted < settings.DISPUTE_SLA_BUSINESS_DAYS;) {
    due += DAY_MS;
    if (!weekend(new Date(due))) counted += 1;
  }
  return new Date(due);
}
