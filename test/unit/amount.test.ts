import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, divideRounded, formatAmount, parseAmount, parseMoney } from '../../src/money/amount.js';

describe('decimal amounts', () => {
  it('parses to exact smallest units and formats back', () => {
    expect(parseAmount('12.5', 2)).toBe(1250n);
    expect(parseAmount('0.000000001', 9)).toBe(1n);
    expect(parseAmount('9223372036.854775807', 9)).toBe(9_223_372_036_854_775_807n);
    expect(formatAmount(1250n, 2)).toBe('12.50');
    expect(formatAmount(-5n, 2)).toBe('-0.05');
    expect(formatAmount(7n, 0)).toBe('7');
  });

  it('never rounds silently: more decimals than the precision is an error', () => {
    expect(() => parseAmount('1.005', 2)).toThrow(/3 decimal places; this credit type allows at most 2/);
    expect(parseAmount('1.500', 2)).toBe(150n); // trailing zeros are exact
    expect(() => parseAmount('1e3', 2)).toThrow(/not a decimal/);
    expect(() => parseAmount('9223372036854775808', 0)).toThrow(/too large/);
  });

  it('round-trips any value at any precision', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 9 }), (units, precision) => {
        expect(parseAmount(formatAmount(units, precision), precision)).toBe(units);
      }),
    );
  });

  it('uses ISO 4217 minor units for money', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(parseMoney('50.00', 'usd')).toEqual({ minor: 5000n, currency: 'USD' });
    expect(() => parseMoney('50.5', 'JPY')).toThrow(/at most 0/);
  });
});

describe('explicit rounding', () => {
  const cases: [bigint, bigint, Record<string, bigint>][] = [
    [7n, 2n, { up: 4n, down: 3n, half_up: 4n, half_even: 4n }], // 3.5
    [5n, 2n, { up: 3n, down: 2n, half_up: 3n, half_even: 2n }], // 2.5
    [-5n, 2n, { up: -2n, down: -3n, half_up: -3n, half_even: -2n }], // -2.5
    [10n, 3n, { up: 4n, down: 3n, half_up: 3n, half_even: 3n }], // 3.33…
    [20n, 3n, { up: 7n, down: 6n, half_up: 7n, half_even: 7n }], // 6.66…
    [9n, 3n, { up: 3n, down: 3n, half_up: 3n, half_even: 3n }], // exact
  ];
  for (const [n, d, expected] of cases) {
    for (const [mode, value] of Object.entries(expected)) {
      it(`${n}/${d} rounded ${mode} is ${value}`, () => {
        expect(divideRounded(n, d, mode as 'up')).toBe(value);
      });
    }
  }

  it('stays within one unit of the exact quotient, on the side the mode says', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const up = divideRounded(n, d, 'up');
        const down = divideRounded(n, d, 'down');
        expect(down * d <= n && n <= up * d).toBe(true);
        expect(up - down <= 1n).toBe(true);
        for (const mode of ['half_up', 'half_even'] as const) {
          const r = divideRounded(n, d, mode);
          const error = r * d - n;
          expect(2n * (error < 0n ? -error : error) <= d).toBe(true);
        }
      }),
    );
  });

  it('refuses division by zero', () => {
    expect(() => divideRounded(1n, 0n, 'up')).toThrow(RangeError);
  });
});
