import { z } from 'zod';
import { decimal, featureName, featureRuleSchema, rateSchema, tiersSchema } from '../../consumption/pricing/schema.js';
import { decimalString, idString, isoTime } from './common.js';

/** Schemas of the pricing routes (issue 18): entitlement checks, versions, rate cards, price overrides. */

export const entitlementParams = z.strictObject({ id: idString, feature: featureName });
export const entitlementQuery = z.strictObject({
  quantity: decimal.default('1').meta({ description: 'Calls, tokens, seconds… of the feature (default 1), a decimal string.' }),
});
export const entitlementSchema = z
  .object({
    allowed: z.boolean(),
    cost: decimalString,
    creditType: z.string(),
    available: z.string().meta({
      description:
        'The balance’s available (negative while in overdraft). The verdict judges against available minus the balance’s pendingUsage (usage accepted, not yet burned).',
    }),
    reason: z.enum(['within_balance', 'within_overdraft', 'insufficient_credits', 'shadow_would_block', 'enforcement_off']),
    shortfall: decimalString.nullable(),
    accountId: z.string(),
    feature: z.string(),
    quantity: decimalString,
    enforcementMode: z.enum(['enforce', 'shadow', 'off']),
    pricingVersion: z.string(),
    rule: z.string(),
    cohort: z.string().nullable(),
    override: z.string().nullable(),
  })
  .meta({ id: 'Entitlement' });

const versionSummaryShape = {
  version: z.string(),
  effectiveFrom: z.string(),
  description: z.string().nullable(),
  file: z.string(),
  contentHash: z.string(),
  current: z.boolean(),
  features: z.array(z.string()),
  cohorts: z.array(z.string()),
};
export const pricingVersionSummarySchema = z.object(versionSummaryShape).meta({ id: 'PricingVersionSummary' });
export const pricingVersionSchema = z
  .object({
    ...versionSummaryShape,
    rules: z.object({
      features: z.record(z.string(), featureRuleSchema),
      cohorts: z.record(z.string(), z.record(z.string(), featureRuleSchema)),
    }),
  })
  .meta({ id: 'PricingVersion' });
export const versionParams = z.strictObject({ version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a pricing version id') });

export const rateCardSchema = z
  .object({
    accountId: z.string(),
    at: z.string(),
    pricingVersion: z.string(),
    pinned: z.boolean(),
    cohort: z.string().nullable(),
    features: z.array(
      z.object({
        feature: z.string(),
        description: z.string().nullable(),
        creditType: z.string(),
        rounding: z.string(),
        rate: rateSchema,
        source: z.enum(['version', 'cohort', 'override']),
        pricingVersion: z.string(),
        rule: z.string(),
        cohort: z.string().nullable(),
        override: z.object({ id: z.string(), effectiveFrom: z.string(), until: z.string().nullable() }).nullable(),
        listRate: rateSchema.nullable(),
      }),
    ),
    lateEvents: z.object({ windowDays: z.number().int(), acceptedFrom: z.string() }).meta({
      description:
        'The late-event cutoff: a usage event whose event time is before `acceptedFrom` (now − `windowDays` days) when it arrives is refused as late_event and never billed; the usage view lists it.',
    }),
  })
  .meta({ id: 'RateCard' });

export const overrideBody = z
  .strictObject({
    feature: featureName,
    rate: decimal.optional().meta({
      description:
        'Credits per the rule’s unit (per call, per `per` units, per the time unit); a tiered rule becomes one tier at this rate.',
    }),
    tiers: tiersSchema.optional().meta({
      description: 'Replaces a tiered rule’s tiers (its mode kept); a flat rule becomes graduated tiers of its own quantity.',
    }),
    effectiveFrom: isoTime,
    effectiveTo: isoTime.nullable().optional(),
    reason: z.string().trim().min(1).max(500),
  })
  .refine((b) => (b.rate === undefined) !== (b.tiers === undefined), { message: 'give exactly one of rate or tiers', path: ['rate'] });

export const overrideSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    feature: z.string(),
    rate: z.string().nullable(),
    tiers: z.array(z.object({ upTo: z.string().nullable(), credits: z.string() })).nullable(),
    effectiveFrom: z.string(),
    effectiveTo: z.string().nullable(),
    reason: z.string(),
    status: z.enum(['scheduled', 'active', 'expired', 'ended']),
    createdBy: z.string(),
    createdAt: z.string(),
    endedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
  })
  .meta({ id: 'PriceOverride' });
export const overrideParams = z.strictObject({ id: idString, overrideId: idString });
