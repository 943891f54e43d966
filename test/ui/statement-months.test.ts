import { describe, expect, it } from 'vitest';
import { MONTHS_SHOWN, statementMonths, utcMonth } from '../../src/ui/client/shared/months.js';

describe('the months the wallet offers statements for', () => {
  it('runs from the UTC month the account opened to the running one, newest first, across a year end', () => {
    expect(statementMonths(new Date('2025-11-30T23:30:00Z'), new Date('2026-02-01T00:00:00Z'))).toEqual([
      '2026-02',
      '2026-01',
      '2025-12',
      '2025-11',
    ]);
  });

  it('takes UTC months, not local ones, and an account opened this month has one', () => {
    expect(statementMonths(new Date('2026-03-31T23:59:59Z'), new Date('2026-03-31T23:59:59Z'))).toEqual(['2026-03']);
    expect(utcMonth(new Date('2026-04-01T00:00:00Z'))).toBe('2026-04');
  });

  it('offers at most a year of months', () => {
    const months = statementMonths(new Date('2020-01-15T00:00:00Z'), new Date('2026-06-01T00:00:00Z'));
    expect(months).toHaveLength(MONTHS_SHOWN);
    expect(months[0]).toBe('2026-06');
    expect(months.at(-1)).toBe('2025-07');
  });
});
