import { z } from 'zod';
import { creditTypeId, decimalString, idString } from './common.js';

const money = z.strictObject({ amount: decimalString, currency: z.string().regex(/^[A-Z]{3}$/) });

export const purchaseBody = z
  .strictObject({
    bundleId: z.string().min(1).max(64),
    paymentMethodId: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .meta({ description: 'A saved payment method: charge it now, off-session, and grant before answering.' }),
  })
  .strict()
  .meta({ id: 'PurchaseInput' });

export const purchaseSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    origin: z.enum(['purchase', 'recharge', 'subscription']),
    bundleId: z.string(),
    catalogVersion: z.string(),
    quantity: z.number().int(),
    creditType: z.string(),
    credits: decimalString,
    amount: money,
    refunded: money,
    status: z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'partially_refunded']),
    paymentIntentId: z.string().nullable(),
    grantId: z.string().nullable(),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    clientSecret: z.string().nullable().optional().meta({ description: 'For stripe.confirmPayment() in the front end; null once paid.' }),
  })
  .meta({ id: 'Purchase' });

export const rechargeSettingsBody = z
  .strictObject({
    creditType: creditTypeId,
    enabled: z.boolean(),
    threshold: decimalString,
    bundleId: z.string().min(1).max(64),
    quantity: z.number().int().min(1).max(100).optional(),
    topUpTo: decimalString.optional(),
    monthlyCap: money,
    paymentMethodId: z.string().min(1).max(255).optional(),
  })
  .strict()
  .refine((b) => !(b.quantity !== undefined && b.topUpTo !== undefined), {
    message: 'give quantity or topUpTo, not both',
    path: ['topUpTo'],
  })
  .meta({ id: 'AutoRechargeInput' });

export const rechargeSettingsSchema = z
  .object({
    accountId: z.string(),
    creditType: z.string(),
    enabled: z.boolean(),
    paused: z.boolean(),
    threshold: decimalString,
    bundleId: z.string(),
    quantity: z.number().int(),
    topUpTo: decimalString.nullable(),
    monthlyCap: money,
    paymentMethodId: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AutoRecharge' });

export const refundBodySchema = z
  .object({ reason: z.string().min(1).max(1000).optional() })
  .strict()
  .meta({ id: 'PurchaseRefundInput' });
export const purchaseIdParams = z.strictObject({ id: idString });
