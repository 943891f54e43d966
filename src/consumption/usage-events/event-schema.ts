import { z } from 'zod';

const idString = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits and _ . : - only, at most 128 characters');
/** An account's own user (issue 18): the product's user id, kept with the usage and reported per user; no personal data needed. */
export const userIdString = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$/, 'letters, digits and _ . : @ + - only, at most 128 characters')
  .meta({ description: 'The account’s own user this is for (your product’s user id); usage is reportable per user' });
const quantity = z.union([
  z.string().regex(/^\d{1,19}(\.\d{1,18})?$/, 'must be a non-negative decimal string such as "1.5"'),
  z
    .number()
    .int('a number quantity must be a whole number; send fractions as a decimal string')
    .nonnegative()
    .max(Number.MAX_SAFE_INTEGER)
    .transform(String),
]);

/** One usage event (R-C5), validated on its own so one bad event never sinks its batch. */
export const usageEventSchema = z
  .object({
    id: idString.meta({ description: 'The producer’s unique event id: duplicates are ignored by it, forever.' }),
    accountId: idString,
    feature: z.string().min(1).max(64),
    quantity: quantity.optional(),
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Used when quantity is absent: the pricing rule names the property that holds the quantity.' }),
    userId: userIdString.optional(),
    timestamp: z.iso
      .datetime({ offset: true })
      .meta({ description: 'When the usage happened (event time): ordering, pricing version and the late-event window follow it.' }),
  })
  .strict();

export type UsageEventInput = z.output<typeof usageEventSchema>;

export const MAX_EVENTS_PER_BATCH = 1000;
/** A clock skew allowance: events stamped later than this ahead of now are refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
