/**
 * Exact amounts. Credits are bigint counts of a credit type's smallest unit
 * (10^-precision); money is bigint minor units of its currency. Decimal strings
 * cross the API boundary; JS numbers never carry an amount.
 */

export class AmountFormatError extends Error {
  constructor(
    message: string,
    readonly code: 'not_a_decimal' | 'too_many_decimals' | 'out_of_range',
  ) {
    super(message);
    this.name = 'AmountFormatError';
  }
}

const DECIMAL = /^(-)?(\d{1,19})(?:\.(\d+))?$/;
/** Largest magnitude an int8 column holds. */
export const MAX_UNITS = 9_223_372_036_854_775_807n;

/** "12.5" at precision 2 → 1250n. More decimals than the precision is an error, never a silent rounding. */
export function parseAmount(text: string, precision: number): bigint {
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new AmountFormatError(`"${text}" is not a decimal number like "12.50"`, 'not_a_decimal');
  }
  const [, sign, whole, fraction = ''] = match;
  const trimmedFraction = fraction.replace(/0+$/, '');
  if (trimmedFraction.length > precision) {
    throw new AmountFormatError(
      `"${text}" has ${trimmedFraction.length} decimal places; this credit type allows at most ${precision}`,
      'too_many_decimals',
    );
  }
  const units = BigInt(`${whole}${trimmedFraction.padEnd(precision, '0')}`);
  if (units > MAX_UNITS) throw new AmountFormatError(`"${text}" is too large`, 'out_of_range');
  return sign ? -units : units;
}

/** 1250n at precision 2 → "12.50". Always exactly `precision` decimals. */
export function formatAmount(units: bigint, precision: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  const fraction = digits.slice(digits.length - precision);
  return `${negative ? '-' : ''}${whole}${precision > 0 ? `.${fraction}` : ''}`;
}

export const roundingModes = ['up', 'down', 'half_up', 'half_even'] as const;
export type RoundingMode = (typeof roundingModes)[number];

/**
 * numerator / denominator rounded to an integer by an explicit rule. Used
 * wherever a fractional cost must become whole smallest units:
 * - up: towards +infinity (a customer is never under-charged a fraction),
 * - down: towards -infinity,
 * - half_up: nearest, ties away from zero,
 * - half_even: nearest, ties to even (banker's rounding).
 */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const floor = numerator < 0n ? quotient - 1n : quotient;
  const ceil = floor + 1n;
  switch (mode) {
    case 'up':
      return ceil;
    case 'down':
      return floor;
    case 'half_up':
    case 'half_even': {
      const distanceToFloor = numerator - floor * denominator; // in (0, denominator)
      const twice = 2n * distanceToFloor;
      if (twice < denominator) return floor;
      if (twice > denominator) return ceil;
      if (mode === 'half_up') return numerator < 0n ? floor : ceil;
      return floor % 2n === 0n ? floor : ceil;
    }
  }
}

/** Minor-unit exponent of an ISO 4217 currency (USD 2, JPY 0, KWD 3), from the platform's ICU data. */
export function currencyExponent(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    throw new AmountFormatError(`"${currency}" is not an ISO 4217 currency code`, 'not_a_decimal');
  }
}

export function parseMoney(amount: string, currency: string): { minor: bigint; currency: string } {
  const code = currency.toUpperCase();
  return { minor: parseAmount(amount, currencyExponent(code)), currency: code };
}

export function formatMoney(minor: bigint, currency: string): { amount: string; currency: string } {
  return { amount: formatAmount(minor, currencyExponent(currency)), currency };
}
