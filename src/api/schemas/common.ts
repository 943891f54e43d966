import { z } from 'zod';

/** Amounts cross the API as decimal strings; JSON numbers are refused because binary floats are not exact. */
export const decimalString = z
  .string({ error: 'must be a decimal string such as "10.50" (JSON numbers are not accepted for amounts)' })
  .regex(/^\d{1,19}(\.\d+)?$/, 'must be a non-negative decimal string such as "10.50"')
  .meta({ example: '10.50' });

export const idString = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits and _ . : - only, at most 128 characters');
export { userIdString } from '../../consumption/usage-events/event-schema.js';
export const creditTypeId = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ and -, starting with a letter');
/** Times the ledger can store and compare: 1970 to 9999 (PostgreSQL's range is wider, JavaScript's Date narrower). */
export const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time with offset, e.g. 2026-01-31T00:00:00Z' })
  .transform((s) => new Date(s))
  .refine((d) => d.getTime() >= 0 && d.getTime() <= Date.UTC(9999, 11, 31, 23, 59, 59), 'must be between 1970 and 9999');

/** A page cursor that is an int8 id: digits that fit PostgreSQL's int8. */
export const int8Cursor = z
  .string()
  // abort: the int8 bound below must not run on a string that is not digits (BigInt('null') throws: a 500, found by the fuzz).
  .regex(/^\d{1,19}$/, { error: 'use the nextCursor of the previous page', abort: true })
  .refine((s) => BigInt(s) <= 9_223_372_036_854_775_807n, 'use the nextCursor of the previous page');

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.strictObject({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const insufficientCreditsSchema = problemSchema
  .extend({
    accountId: z.string(),
    creditType: z.string(),
    available: decimalString,
    requested: decimalString,
    shortfall: decimalString,
    hint: z.string(),
    buyCreditsUrl: z.string(),
  })
  .meta({ id: 'InsufficientCredits' });

export const accountIdParams = z.strictObject({ id: idString });
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
