import { divideRounded, type RoundingMode } from '../../money/amount.js';

/**
 * Exact fractions for rating: a price like "0.002 credits per 1,000 tokens"
 * times a quantity like "1.5" stays a fraction until the one explicit rounding
 * into a credit type's smallest unit. Never a JS number.
 */
export interface Rational {
  n: bigint;
  d: bigint;
}

const DECIMAL = /^(\d{1,19})(?:\.(\d{1,18}))?$/;

/** "12.5" → 125/10. Non-negative decimals only (prices and quantities). */
export function parseDecimal(text: string): Rational {
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a non-negative decimal like "12.5"`);
  const [, whole, fraction = ''] = match;
  return { n: BigInt(`${whole}${fraction}`), d: 10n ** BigInt(fraction.length) };
}

export const isDecimal = (text: string) => DECIMAL.test(text);

export const rational = (n: bigint, d = 1n): Rational => ({ n, d });
export const mul = (a: Rational, b: Rational): Rational => ({ n: a.n * b.n, d: a.d * b.d });
export const div = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d, d: a.d * b.n });
export const add = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
export const sub = (a: Rational, b: Rational): Rational => ({ n: a.n * b.d - b.n * a.d, d: a.d * b.d });
export const min = (a: Rational, b: Rational): Rational => (compare(a, b) <= 0 ? a : b);
export const compare = (a: Rational, b: Rational): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};

/** A credit amount as a fraction → whole smallest units at `precision`, by the rule's rounding. */
export function toSmallestUnits(amount: Rational, precision: number, mode: RoundingMode): bigint {
  return divideRounded(amount.n * 10n ** BigInt(precision), amount.d, mode);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** Exact text of a fraction in lowest terms for traces: "3/8", or "12" when whole. */
export function rationalText(r: Rational): string {
  const g = gcd(r.n, r.d) || 1n;
  const [n, d] = [r.n / g, r.d / g];
  return d === 1n ? n.toString() : `${n}/${d}`;
}
