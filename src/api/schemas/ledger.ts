import { z } from 'zod';
import { grantSources, issuableGrantSources } from '../../db/schema.js';
import { creditTypeId, decimalString, idString, isoTime, userIdString } from './common.js';

const signedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const enforcementMode = z.enum(['enforce', 'shadow', 'off']);

export const creditTypeBody = z
  .strictObject({
    id: creditTypeId,
    name: z.string().min(1).max(200),
    precision: z.number().int().min(0).max(9),
  })
  .meta({ id: 'CreditTypeInput' });
export const creditTypeSchema = creditTypeBody.extend({ createdAt: z.string() }).meta({ id: 'CreditType' });

export const accountBody = z
  .strictObject({
    id: idString,
    name: z.string().min(1).max(200),
    parentId: idString.optional(),
    overdraftLimit: z.record(creditTypeId, decimalString).optional().meta({ description: 'Per credit type, e.g. {"ai": "100"}' }),
    enforcementMode: enforcementMode.optional(),
    pricingVersion: z.string().max(64).optional(),
    cohort: z.string().max(64).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'AccountInput' });
export const accountPatch = accountBody
  .omit({ id: true })
  .partial()
  .extend({ parentId: idString.nullable().optional() })
  .meta({ id: 'AccountPatch' });
export const accountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    enforcementMode: enforcementMode.nullable(),
    pricingVersion: z.string().nullable(),
    cohort: z.string().nullable(),
    overdraftLimit: z.record(z.string(), decimalString),
    metadata: z.record(z.string(), z.unknown()),
    mode: z.enum(['live', 'test']).meta({ description: 'The mode of the key that created it; keys of the other mode get 404 for it' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Account' });

export const grantBody = z
  .strictObject({
    creditType: creditTypeId,
    amount: decimalString,
    source: z.enum(issuableGrantSources),
    priority: z.number().int().min(0).max(1000).optional().meta({ description: 'Lower burns first; defaults by source' }),
    effectiveAt: isoTime.optional(),
    expiresAt: isoTime.optional(),
    reasonCode: z.string().max(64).optional(),
    reason: z.string().max(1000).optional(),
    costBasis: z
      .strictObject({ amount: decimalString, currency: z.string().regex(/^[A-Za-z]{3}$/, 'ISO 4217 code such as USD') })
      .optional(),
    pricingVersion: z.string().max(64).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'GrantInput' });
export const grantSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    creditType: z.string(),
    amount: decimalString,
    remaining: decimalString,
    source: z.enum(grantSources),
    priority: z.number().int(),
    status: z.string(),
    effectiveAt: z.string(),
    expiresAt: z.string().nullable(),
    reasonCode: z.string().nullable(),
    reason: z.string().nullable(),
    issuedBy: z.string(),
    costBasis: z.strictObject({ amount: z.string(), currency: z.string() }).nullable(),
    pricingVersion: z.string().nullable(),
    externalRef: z.string().nullable(),
    transactionId: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'Grant' });

export const MAX_DEDUCT_ITEMS = 16;
export const deductItem = z.strictObject({ creditType: creditTypeId, amount: decimalString }).meta({ id: 'DeductItem' });
export const deductBody = z
  .strictObject({
    creditType: creditTypeId.optional().meta({ description: 'One credit type (or items for several)' }),
    amount: decimalString.optional(),
    items: z.array(deductItem).min(1).max(MAX_DEDUCT_ITEMS).optional().meta({
      description: 'Several credit types at once, all or nothing: instead of creditType and amount, each credit type at most once',
    }),
    feature: z.string().max(128).optional(),
    allowPartial: z
      .boolean()
      .optional()
      .meta({ description: 'Burn what is available when less than asked, instead of 402 (single credit type only)' }),
    usageEventId: z.string().max(128).optional(),
    reason: z.string().max(1000).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    userId: userIdString.optional(),
  })
  .superRefine((b, ctx) => {
    const single = b.creditType !== undefined || b.amount !== undefined;
    if (b.items !== undefined) {
      if (single) ctx.addIssue({ code: 'custom', path: ['items'], message: 'give either items or creditType and amount, not both' });
      if (b.allowPartial) ctx.addIssue({ code: 'custom', path: ['allowPartial'], message: 'items are all or nothing' });
      return;
    }
    if (b.creditType === undefined) ctx.addIssue({ code: 'custom', path: ['creditType'], message: 'required (or items)' });
    if (b.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'required (or items)' });
  })
  .meta({ id: 'DeductInput' });
/** Present only when the account's mode is shadow or off (no ledger write): the mode, and whether enforce would have refused. */
const unenforcedFields = {
  enforcementMode: z.enum(['shadow', 'off']).optional().meta({ description: 'Only when not enforced: nothing was written to the ledger' }),
  wouldBlock: z.boolean().optional().meta({ description: 'Only when not enforced: enforce mode would have answered 402' }),
};
export const deductSchema = z
  .object({
    transactionId: z.string().nullable().meta({ description: 'null in shadow and off mode' }),
    accountId: z.string(),
    creditType: z.string(),
    requested: decimalString,
    deducted: decimalString,
    balance: z.strictObject({ available: signedDecimal, overdraftUsed: decimalString }),
    ...unenforcedFields,
  })
  .meta({ id: 'DeductResult' });
export const deductAllSchema = z
  .object({
    accountId: z.string(),
    items: z.array(deductSchema).meta({ description: 'One deduct per credit type, in credit type order' }),
  })
  .meta({ id: 'MultiDeductResult' });

export const holdBody = z
  .strictObject({
    creditType: creditTypeId,
    amount: decimalString,
    ttlSeconds: z.number().int().positive().optional(),
    feature: z.string().max(128).optional(),
    userId: userIdString.optional(),
  })
  .meta({ id: 'HoldInput' });
export const holdSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    creditType: z.string(),
    amount: decimalString,
    status: z.enum(['active', 'committed', 'released', 'expired']),
    committedAmount: decimalString.nullable(),
    expiresAt: z.string().nullable(),
    feature: z.string().nullable(),
    ownerRef: z.string().nullable(),
    transactionId: z.string(),
    closedTransactionId: z.string().nullable(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'Hold' });
/** POST /holds: a hold, or in shadow and off mode the request as it was judged (no hold: id null, status not_held). */
export const holdCreatedSchema = holdSchema
  .extend({
    id: z.string().nullable(),
    transactionId: z.string().nullable(),
    status: z.enum(['active', 'not_held']),
    ...unenforcedFields,
  })
  .meta({ id: 'HoldCreated' });
export const commitBody = z.strictObject({ amount: decimalString.optional() }).meta({ id: 'CommitInput' });

export const refundBody = z
  .strictObject({ transactionId: z.string().min(1), amount: decimalString.optional(), reason: z.string().min(1).max(1000) })
  .meta({ id: 'RefundInput' });
export const refundSchema = z
  .object({
    transactionId: z.string(),
    refundOf: z.string(),
    accountId: z.string(),
    creditType: z.string(),
    refunded: decimalString,
    remainingRefundable: decimalString,
  })
  .meta({ id: 'RefundResult' });

const grantBalance = z.strictObject({
  id: z.string(),
  accountId: z.string(),
  source: z.string(),
  priority: z.number(),
  remaining: decimalString,
  effectiveAt: z.string(),
  expiresAt: z.string().nullable(),
  spendable: z.boolean(),
});
export const balanceSchema = z
  .object({
    accountId: z.string(),
    at: z.string(),
    pointInTime: z.boolean(),
    balances: z.array(
      z.strictObject({
        creditType: z.string(),
        available: signedDecimal,
        held: decimalString,
        pending: decimalString,
        pendingUsage: decimalString.meta({
          description:
            'What usage events accepted but not yet burned will cost (an estimate until metering rates them; 0 once metered, and in a point-in-time balance). Not deducted from available: the entitlement check judges against available minus pendingUsage.',
        }),
        total: signedDecimal,
        overdraftUsed: decimalString,
        overdraftLimit: decimalString,
        lifetime: z.strictObject({
          granted: z.string(),
          burned: z.string(),
          refunded: z.string(),
          expired: z.string(),
          voided: z.string(),
        }),
        grants: z.array(grantBalance),
        poolCap: z
          .strictObject({ cap: decimalString, drawn: decimalString, remaining: decimalString, periodEnd: z.string() })
          .optional()
          .meta({ description: 'Only for a pool member with a cap: what it may still draw from its pool this UTC month' }),
      }),
    ),
  })
  .meta({ id: 'AccountBalance' });

export const entrySchema = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    type: z.string(),
    creditType: z.string(),
    amount: decimalString,
    balanceBefore: signedDecimal,
    balanceAfter: signedDecimal,
    heldAfter: decimalString,
    grantId: z.string().nullable(),
    holdId: z.string().nullable(),
    initiatorAccountId: z.string(),
    actor: z.string(),
    reason: z.string().nullable(),
    feature: z.string().nullable(),
    usageEventId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'LedgerEntry' });
