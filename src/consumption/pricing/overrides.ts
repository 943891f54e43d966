import { timeUnits, type FeatureRule, type Rate } from './schema.js';

type Tiers = Extract<Rate, { kind: 'tiered' }>['tiers'];

/**
 * A negotiated rate for one account and feature (issue 18, R-C7), as rating
 * uses it. It changes only the numbers of the rule in force: the credit type
 * and the rounding stay the version's, so an override never moves usage to
 * another balance or changes how a cost is rounded.
 */
export interface PriceOverride {
  id: string;
  feature: string;
  /** Credits per the rule's unit (per call, per `per` units, per the time unit): replaces the rule's credits. */
  rate: string | null;
  /** Replaces the rule's tiers; bounds are in the rule's quantity (calls, units, seconds). */
  tiers: Tiers | null;
  effectiveFrom: Date;
  /** Where the window ends: effectiveTo, or when the contract was ended early if sooner; null: open. */
  until: Date | null;
}

/** The override of a feature in force at `at` (windows never overlap: the store refuses it). */
export function overrideInForce(overrides: readonly PriceOverride[], feature: string, at: Date): PriceOverride | undefined {
  return overrides.find((o) => o.feature === feature && o.effectiveFrom <= at && (o.until === null || at < o.until));
}

/** The unit tiers count in when a rule that is not tiered gets tiers: its quantity, at its own `per`. */
function tieredShape(rate: Exclude<Rate, { kind: 'tiered' }>): { unit: string; per: string } {
  switch (rate.kind) {
    case 'per_call':
      return { unit: 'calls', per: '1' };
    case 'per_unit':
      return { unit: rate.unit, per: rate.per };
    case 'time':
      return { unit: 'seconds', per: timeUnits[rate.per].toString() };
  }
}

/**
 * The rule with the override's numbers. A `rate` replaces the credits of a
 * flat rule, or makes a tiered rule one open tier at that rate; `tiers`
 * replace a tiered rule's tiers (its mode kept), or make a flat rule
 * graduated tiers of its own quantity and `per`.
 */
export function applyOverride(rule: FeatureRule, override: Pick<PriceOverride, 'rate' | 'tiers'>): FeatureRule {
  const base = rule.rate;
  let rate: Rate;
  if (override.rate !== null) {
    rate = base.kind === 'tiered' ? { ...base, tiers: [{ upTo: null, credits: override.rate }] } : { ...base, credits: override.rate };
  } else {
    const tiers = override.tiers!;
    rate = base.kind === 'tiered' ? { ...base, tiers } : { kind: 'tiered', mode: 'graduated', ...tieredShape(base), tiers };
  }
  return { ...rule, rate };
}
