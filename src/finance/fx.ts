import { currencyExponent, divideRounded } from '../money/amount.js';

const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** A decimal rate "1.0842" as an exact fraction 10842/10000. */
export function parseRate(text: string): { numerator: bigint; denominator: bigint } {
  const match = RATE.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a decimal rate like 1.0842`);
  const fraction = match[2] ?? '';
  const numerator = BigInt(`${match[1]}${fraction}`);
  if (numerator === 0n) throw new RangeError('a rate must be greater than zero');
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/**
 * Minor units of `from` converted to minor units of `to` at `rate` (units of
 * `to` per unit of `from`), rounded half-even. Exponents differ between
 * currencies (JPY 0, USD 2, KWD 3), so both are applied exactly.
 */
export function convertMinor(minor: bigint, from: string, to: string, rate: string): bigint {
  if (from === to) return minor;
  const { numerator, denominator } = parseRate(rate);
  const scaleTo = 10n ** BigInt(currencyExponent(to));
  const scaleFrom = 10n ** BigInt(currencyExponent(from));
  return divideRounded(minor * numerator * scaleTo, denominator * scaleFrom, 'half_even');
}
