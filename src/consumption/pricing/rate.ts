import { formatAmount } from '../../money/amount.js';
import { add, compare, div, min, mul, parseDecimal, rational, rationalText, sub, toSmallestUnits, type Rational } from './rational.js';
import { timeUnits, type FeatureRule, type Rate } from './schema.js';

/** What a rating used and produced: stored with every burn and shown by the trace (R-A1). */
export interface Rating {
  pricingVersion: string;
  feature: string;
  /** Which rule of the version: `features.<f>` or `cohorts.<c>.<f>`. */
  rule: string;
  cohort: string | null;
  /** The account's price override this rating used (issue 18), or null for the version's rate. */
  override: string | null;
  creditType: string;
  quantity: string;
  rate: Rate;
  rounding: FeatureRule['rounding'];
  /** The exact cost before rounding, as a fraction of credits. */
  exactCost: string;
  /** The rounded cost, a decimal string at the credit type's precision. */
  cost: string;
}

/** The exact cost in credits of `quantity` under one rate. */
export function exactCost(rate: Rate, quantity: Rational): Rational {
  switch (rate.kind) {
    case 'per_call':
      return mul(quantity, parseDecimal(rate.credits));
    case 'per_unit':
      return div(mul(quantity, parseDecimal(rate.credits)), parseDecimal(rate.per));
    case 'time':
      return div(mul(quantity, parseDecimal(rate.credits)), rational(timeUnits[rate.per]));
    case 'tiered':
      return div(rate.mode === 'graduated' ? graduated(rate.tiers, quantity) : volume(rate.tiers, quantity), parseDecimal(rate.per));
  }
}

type Tiers = Extract<Rate, { kind: 'tiered' }>['tiers'];

/** Each slice of the quantity at its own tier's rate. */
function graduated(tiers: Tiers, quantity: Rational): Rational {
  let total = rational(0n);
  let floor = rational(0n);
  for (const tier of tiers) {
    const top = tier.upTo === null ? quantity : min(quantity, parseDecimal(tier.upTo));
    if (compare(top, floor) <= 0) break;
    total = add(total, mul(sub(top, floor), parseDecimal(tier.credits)));
    floor = top;
  }
  return total;
}

/** All of the quantity at the rate of the tier it falls in. */
function volume(tiers: Tiers, quantity: Rational): Rational {
  const tier = tiers.find((t) => t.upTo === null || compare(quantity, parseDecimal(t.upTo)) <= 0) ?? tiers[tiers.length - 1]!;
  return mul(quantity, parseDecimal(tier.credits));
}

export interface RateInput {
  pricingVersion: string;
  feature: string;
  rule: string;
  cohort: string | null;
  /** The id of the price override applied to featureRule, if any. */
  override?: string | null | undefined;
  featureRule: FeatureRule;
  /** Decimal string. */
  quantity: string;
  /** Decimal places of the rule's credit type. */
  precision: number;
}

/** Rates a quantity under a resolved rule: exact cost, then the rule's one explicit rounding. */
export function rate(input: RateInput): Rating & { costUnits: bigint } {
  const exact = exactCost(input.featureRule.rate, parseDecimal(input.quantity));
  const costUnits = toSmallestUnits(exact, input.precision, input.featureRule.rounding);
  return {
    pricingVersion: input.pricingVersion,
    feature: input.feature,
    rule: input.rule,
    cohort: input.cohort,
    override: input.override ?? null,
    creditType: input.featureRule.creditType,
    quantity: input.quantity,
    rate: input.featureRule.rate,
    rounding: input.featureRule.rounding,
    exactCost: rationalText(exact),
    cost: formatAmount(costUnits, input.precision),
    costUnits,
  };
}

/** Where a rating's rate came from, for ledger reasons: the rule, and the override when one applied. */
export function ratingSource(rating: Pick<Rating, 'pricingVersion' | 'rule' | 'override'>): string {
  return `pricing ${rating.pricingVersion} (${rating.rule}${rating.override ? `, override ${rating.override}` : ''})`;
}
