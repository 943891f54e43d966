import { ValidationError } from '../errors.js';

/** A calendar month in UTC, named `YYYY-MM`: the unit of month-end close. */
export interface Period {
  id: string;
  start: Date;
  end: Date;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriodId(text: string): boolean {
  return PERIOD.test(text);
}

export function parsePeriod(id: string): Period {
  const match = PERIOD.exec(id);
  if (!match) throw new ValidationError('Invalid period', [{ path: 'period', message: `"${id}" is not a month like 2026-01` }]);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { id, start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
}

/** The period an instant falls in. */
export function periodOf(instant: Date): string {
  return instant.toISOString().slice(0, 7);
}
