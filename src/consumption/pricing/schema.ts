import { z } from 'zod';
import { roundingModes } from '../../money/amount.js';
import { isDecimal } from './rational.js';

/**
 * The shape of one pricing file (pricing/*.yaml): one immutable version of the
 * rules that turn a feature's usage into credits (R-C7). Validated at load;
 * every problem names the file, the path inside it and what is wrong.
 */
// abort: a value that is no decimal gets this one error, not also those of the refinements built on it.
export const decimal = z
  .string()
  .refine(isDecimal, { message: 'must be a non-negative decimal string like "0.25" (quote it in YAML)', abort: true });
const positiveDecimal = decimal.refine((v) => /[1-9]/.test(v), 'must be greater than zero');

export const timeUnits = { second: 1n, minute: 60n, hour: 3600n, day: 86_400n } as const;

const perCall = z.strictObject({
  kind: z.literal('per_call'),
  /** Credits per call; the quantity is the number of calls (1 when absent). */
  credits: decimal,
});
const perUnit = z.strictObject({
  kind: z.literal('per_unit'),
  /** What is counted: tokens, compute_seconds, gb_hours… (documentation and traces). */
  unit: z.string().min(1),
  credits: decimal,
  /** Credits are per this many units, e.g. 0.02 credits per 1000 tokens. */
  per: positiveDecimal.default('1'),
});
const timeBased = z.strictObject({
  kind: z.literal('time'),
  /** The quantity is a duration in seconds; credits are charged per `per`. */
  credits: decimal,
  per: z.enum(Object.keys(timeUnits) as [keyof typeof timeUnits, ...(keyof typeof timeUnits)[]]),
});
export const tierSchema = z.strictObject({
  /** Upper bound of the tier (inclusive), in units; null for the last, open tier. */
  upTo: positiveDecimal.nullable(),
  credits: decimal,
});
/** Tiers in increasing order, the last one open: a file's tiered rate, and a price override's tiers (issue 18). */
export const tiersSchema = z
  .array(tierSchema)
  .min(1)
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      const last = i === tiers.length - 1;
      if (last !== (t.upTo === null)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'upTo'],
          message: last ? 'the last tier must be open (upTo: null)' : 'only the last tier may be open',
        });
      }
      const prev = tiers[i - 1]?.upTo;
      // Only bounds that are decimals are compared: the others already have their field error (a 500 before).
      if (i > 0 && prev && t.upTo !== null && isDecimal(prev) && isDecimal(t.upTo) && compareDecimal(t.upTo, prev) <= 0) {
        ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: `must be greater than the previous tier's upTo (${prev})` });
      }
    });
  });
const tiered = z.strictObject({
  kind: z.literal('tiered'),
  /** graduated: each slice of the quantity at its tier's rate; volume: all of it at the rate of the tier it falls in. */
  mode: z.enum(['graduated', 'volume']),
  unit: z.string().min(1),
  per: positiveDecimal.default('1'),
  tiers: tiersSchema,
});

function compareDecimal(a: string, b: string): number {
  const [aw = '', af = ''] = a.split('.');
  const [bw = '', bf = ''] = b.split('.');
  const width = Math.max(af.length, bf.length);
  const x = BigInt(aw + af.padEnd(width, '0'));
  const y = BigInt(bw + bf.padEnd(width, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

export const rateSchema = z.discriminatedUnion('kind', [perCall, perUnit, timeBased, tiered]);

export const featureRuleSchema = z.strictObject({
  creditType: z.string().min(1),
  /** How the exact cost becomes whole smallest units of the credit type: explicit per rule. */
  rounding: z.enum(roundingModes),
  rate: rateSchema,
  /** For usage events sent with `properties` instead of `quantity`: the property that holds the quantity. */
  quantityProperty: z.string().min(1).optional(),
  description: z.string().optional(),
});

export const featureName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'feature names are lower-case letters, digits, _ . -');

export const pricingFileSchema = z
  .strictObject({
    /** Immutable id of this version; a changed rule is a new file with a new version. */
    version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ -'),
    /** From when this version is in force for accounts that are not pinned. */
    effectiveFrom: z.iso.datetime({ offset: true }),
    description: z.string().optional(),
    features: z.record(featureName, featureRuleSchema),
    /** Cohort rates: a cohort's rule for a feature replaces the default rule of this version. */
    cohorts: z.record(z.string().min(1), z.record(featureName, featureRuleSchema)).default({}),
  })
  .superRefine((file, ctx) => {
    for (const [cohort, rules] of Object.entries(file.cohorts)) {
      for (const feature of Object.keys(rules)) {
        if (!(feature in file.features)) {
          ctx.addIssue({
            code: 'custom',
            path: ['cohorts', cohort, feature],
            message: `cohort rate for unknown feature ${feature}; define it under features first`,
          });
        }
      }
    }
  });

export type PricingFile = z.output<typeof pricingFileSchema>;
export type FeatureRule = z.output<typeof featureRuleSchema>;
export type Rate = z.output<typeof rateSchema>;
