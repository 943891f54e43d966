import { z } from 'zod';
import { simulationStates } from '../../db/schema-pricing-simulations.js';
import { featureName, featureRuleSchema } from '../../consumption/pricing/schema.js';
import { idString, isoTime } from './common.js';

const amount = z.string().meta({ description: 'Credits, a decimal string at the credit type’s precision', example: '1250.50' });
const signedAmount = z.string().meta({ description: 'simulated − actual: negative when the candidate charges less', example: '-312.25' });

export const simulationRequestSchema = z.strictObject({
  candidate: z
    .union([
      z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a pricing version id such as "2026-07"'),
      z.strictObject({
        features: z.record(featureName, featureRuleSchema),
        cohorts: z.record(z.string().min(1), z.record(featureName, featureRuleSchema)).optional(),
      }),
    ])
    .meta({ description: 'A pricing version id, or inline rules shaped as a pricing file’s `features` (and `cohorts`)' }),
  from: isoTime.meta({ description: 'Window start (inclusive), in usage (event) time' }),
  to: isoTime.meta({ description: 'Window end (exclusive)' }),
  accounts: z
    .array(idString)
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'Only these accounts (default: every account of the key’s mode)' }),
});

const counts = {
  events: z.number().int(),
  actual: amount,
  simulated: amount,
  difference: signedAmount,
  unratedEvents: z.number().int().meta({ description: 'Events with no stored rating (pending or failed): no actual credits' }),
  unpricedEvents: z.number().int().meta({ description: 'Events the candidate cannot price (no rule for the feature)' }),
};

export const simulationSchema = z
  .object({
    id: z.string(),
    candidate: z.string().meta({ description: 'The candidate version, or `inline`' }),
    from: z.string(),
    to: z.string(),
    accounts: z.array(z.string()).nullable(),
    state: z.enum(simulationStates),
    total: z.number().int().nullable().meta({ description: 'Events in the window; null until the first page counted them' }),
    rated: z.number().int().meta({ description: 'Events rated so far' }),
    failure: z.string().nullable(),
    totals: z.array(z.object({ creditType: z.string().nullable(), ...counts })).meta({ description: 'Sums per credit type so far' }),
    createdBy: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    workflowId: z.string(),
  })
  .meta({ id: 'PricingSimulation' });

export const simulationResultSchema = z
  .object({ accountId: z.string(), feature: z.string(), creditType: z.string().nullable(), ...counts })
  .meta({ id: 'PricingSimulationResult' });

export const simulationParams = z.strictObject({ id: idString });
export const simulationResultsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,2000}$/, 'use the nextCursor of the previous page')
    .optional(),
});
