import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickBooksCsv, xeroCsv, csvField } from '../../src/finance/adapters/csv.js';
import { CostBasisAllocator } from '../../src/finance/cost-basis.js';
import { convertMinor } from '../../src/finance/fx.js';
import type { JournalLine } from '../../src/finance/journal.js';

describe('cost basis allocation (exact money)', () => {
  it('splits $10.00 over three equal burns as 3.33, 3.34, 3.33: the pieces sum to the cent', () => {
    const grant = new CostBasisAllocator(1000n, 300n);
    expect([grant.move(100n), grant.move(100n), grant.move(100n)]).toEqual([333n, 334n, 333n]);
    expect(grant.unallocated).toBe(0n);
  });

  it('gives a refund back exactly what the cumulative share says, and refuses to move beyond the grant', () => {
    const grant = new CostBasisAllocator(701n, 7000n);
    expect(grant.move(1000n)).toBe(100n);
    expect(grant.move(-500n)).toBe(-50n);
    expect(() => grant.move(6501n)).toThrow(RangeError);
    expect(grant.move(6500n)).toBe(651n);
  });

  it('whatever the burns, refunds and expiry, the pieces of a used-up grant sum to its cost basis and each is within one unit of its share', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { maxLength: 40 }),
        (cost, granted, steps) => {
          const grant = new CostBasisAllocator(cost, granted);
          let out = 0n;
          let sum = 0n;
          for (const [fraction, back] of steps) {
            const room = back ? out : granted - out;
            const x = BigInt(Math.floor(Number(room) * fraction));
            const move = back ? -x : x;
            const piece = grant.move(move);
            // |piece − cost·move/granted| ≤ 1 unit
            const exactTimesGranted = cost * move;
            const diff = piece * granted - exactTimesGranted;
            expect(diff <= granted && diff >= -granted).toBe(true);
            out += move;
            sum += piece;
          }
          sum += grant.move(granted - out);
          expect(sum).toBe(cost);
          expect(grant.unallocated).toBe(0n);
        },
      ),
    );
  });

  it('converts across currency exponents exactly, half-even', () => {
    expect(convertMinor(9999n, 'EUR', 'USD', '1.0842')).toBe(10841n); // 108.409158
    expect(convertMinor(12345n, 'JPY', 'USD', '0.0067')).toBe(8271n); // ¥12345 → $82.7115
    expect(convertMinor(125n, 'EUR', 'USD', '1.5')).toBe(188n); // 187.5 → 188 (even)
    expect(convertMinor(123n, 'USD', 'USD', '1')).toBe(123n);
  });
});

describe('accounting CSV', () => {
  const line = (over: Partial<JournalLine>): JournalLine => ({
    lineId: 'sale:EUR:-:-:dr',
    position: 0,
    entryKind: 'sale',
    accountCode: '1210',
    accountName: 'Credit sales clearing',
    currency: 'EUR',
    debit: 9999n,
    credit: 0n,
    reportingCurrency: 'USD',
    rate: '1.0842',
    reportingDebit: 10841n,
    reportingCredit: 0n,
    creditType: null,
    feature: null,
    memo: '2026-01 credits sold',
    ...over,
  });

  it('writes a QuickBooks journal per currency and a Xero journal in the reporting currency, credits negative', () => {
    const lines = [
      line({}),
      line({
        lineId: 'sale:EUR:-:-:cr',
        position: 1,
        accountCode: '2400',
        accountName: 'Deferred, "prepaid"',
        debit: 0n,
        credit: 9999n,
        reportingDebit: 0n,
        reportingCredit: 10841n,
      }),
    ];
    expect(quickBooksCsv('2026-01', lines).split('\r\n')).toEqual([
      'JournalNo,JournalDate,Currency,ExchangeRate,AccountName,Debits,Credits,Description,Name',
      'BD-2026-01-EUR,2026-01-31,EUR,1.0842,1210 Credit sales clearing,99.99,,2026-01 credits sold,sale:EUR:-:-:dr',
      'BD-2026-01-EUR,2026-01-31,EUR,1.0842,"2400 Deferred, ""prepaid""",,99.99,2026-01 credits sold,sale:EUR:-:-:cr',
      '',
    ]);
    const xero = xeroCsv('2026-01', lines).split('\r\n');
    expect(xero[1]).toBe('Burndown 2026-01 EUR,2026-01-31,2026-01 credits sold (EUR at 1.0842),1210,Tax Exempt,108.41,,');
    expect(xero[2]).toContain(',2400,Tax Exempt,-108.41,');
  });

  it('defuses spreadsheet formulas in text fields', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-108.41')).toBe('-108.41');
  });
});
