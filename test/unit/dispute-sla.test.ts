import { describe, expect, it } from 'vitest';
import { slaDueAt } from '../../src/disputes/sla.js';

const hours = { DISPUTE_SLA_HOURS: 48, DISPUTE_SLA_BUSINESS_DAYS: 0 };
const twoBusinessDays = { DISPUTE_SLA_HOURS: 48, DISPUTE_SLA_BUSINESS_DAYS: 2 };
const due = (opened: string, settings: typeof hours) => slaDueAt(new Date(opened), settings).toISOString();

describe('dispute SLA due time', () => {
  it('counts calendar hours by default, weekends included', () => {
    expect(due('2026-01-02T15:00:00.000Z', hours)).toBe('2026-01-04T15:00:00.000Z'); // Friday → Sunday
  });

  it('counts business days (Monday to Friday, UTC) when set, at the same time of day', () => {
    expect(due('2026-01-05T09:30:00.000Z', twoBusinessDays)).toBe('2026-01-07T09:30:00.000Z'); // Monday → Wednesday
    expect(due('2026-01-02T15:00:00.000Z', twoBusinessDays)).toBe('2026-01-06T15:00:00.000Z'); // Friday → Tuesday
    expect(due('2026-01-03T10:00:00.000Z', twoBusinessDays)).toBe('2026-01-06T10:00:00.000Z'); // Saturday → Tuesday
    expect(due('2026-01-04T23:59:00.000Z', { ...twoBusinessDays, DISPUTE_SLA_BUSINESS_DAYS: 1 })).toBe('2026-01-05T23:59:00.000Z'); // Sunday → Monday
  });
});
