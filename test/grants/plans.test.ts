import { describe, expect, it } from 'vitest';
import { PlanCatalog } from '../../src/grants/plans.js';
import { proratedUnits, rolloverUnits } from '../../src/grants/subscriptions.js';
import { periodBounds } from '../../workflows/grants/periods.js';

describe('rollover, proration and periods (pure)', () => {
  it('rolls over nothing, everything, or at most the cap', () => {
    expect(rolloverUnits({ rule: 'none' }, 4000n, null)).toBe(0n);
    expect(rolloverUnits({ rule: 'full', expiresAfterPeriods: 1 }, 4000n, null)).toBe(4000n);
    expect(rolloverUnits({ rule: 'capped', cap: '30', expiresAfterPeriods: 1 }, 4000n, 3000n)).toBe(3000n);
    expect(rolloverUnits({ rule: 'capped', cap: '30', expiresAfterPeriods: 1 }, 2999n, 3000n)).toBe(2999n);
    expect(rolloverUnits({ rule: 'full', expiresAfterPeriods: 1 }, 0n, null)).toBe(0n);
  });

  it('prorates an upgrade for the rest of the period, rounding down; a downgrade grants nothing', () => {
    // 100.00 → 400.00 credits with 1/3 of the period left: 300.00 / 3 = 100.00.
    expect(proratedUnits(10_000n, 40_000n, 10, 30)).toBe(10_000n);
    // 1 unit × 2/3 rounds down to 0.
    expect(proratedUnits(0n, 1n, 2, 3)).toBe(0n);
    expect(proratedUnits(10n, 20n, 1, 3)).toBe(3n);
    expect(proratedUnits(40_000n, 10_000n, 10, 30)).toBe(0n);
    // Another credit type: the whole new amount, prorated.
    expect(proratedUnits(null, 900n, 1, 3)).toBe(300n);
    expect(proratedUnits(10n, 20n, 0, 3)).toBe(0n);
  });

  it('keeps monthly periods on the anchor day, clamped to short months, without drift', () => {
    const anchor = Date.parse('2026-01-31T10:00:00Z');
    const month = { unit: 'month' as const, count: 1 };
    const iso = (k: number) => new Date(periodBounds(anchor, month, k).start).toISOString();
    expect([0, 1, 2, 3, 12, 13].map(iso)).toEqual([
      '2026-01-31T10:00:00.000Z',
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2027-01-31T10:00:00.000Z',
      '2027-02-28T10:00:00.000Z',
    ]);
    expect(periodBounds(anchor, { unit: 'year', count: 1 }, 2).end).toBe(Date.parse('2029-01-31T10:00:00Z'));
  });

  it('reads the versioned plan files', () => {
    const catalog = PlanCatalog.load();
    expect(catalog.plan('team', '2026-01')).toEqual({
      ref: { planId: 'team', version: '2026-01' },
      creditType: 'ai',
      amount: '5000',
      period: { unit: 'month', count: 1 },
      rollover: { rule: 'capped', cap: '2000', expiresAfterPeriods: 1 },
    });
    expect(catalog.trial('team-trial', '2026-01').convertTo?.ref).toEqual({ planId: 'team', version: '2026-01' });
    expect(() => catalog.plan('nope', '2026-01')).toThrow(/nope@2026-01/);
  });
});
