import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import {
  cancelSubscription,
  changeSubscription,
  startSubscription,
  subscriptionState,
  subscriptionsOf,
} from '../../grants/subscription-service.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, idString, pageQuery, problemSchema } from '../schemas/common.js';

export const writeScopes = ['admin', 'support', 'service'] as const;
export const readScopes = ['admin', 'support', 'service', 'finance', 'customer'] as const;

const planVersion = z.string().regex(/^\d{4}-\d{2}$/, 'a plan version such as 2026-01');
const planRef = z.strictObject({ planId: z.string(), version: z.string() });
export const subscriptionStateSchema = z
  .object({
    subscriptionId: z.string(),
    accountId: z.string(),
    status: z.enum(['active', 'paused', 'cancelling', 'cancelled']),
    plan: planRef,
    pendingPlan: planRef.nullable(),
    periodIndex: z.number().int(),
    periodStart: z.string(),
    periodEnd: z.string(),
    currentGrantId: z.string().nullable(),
    upcoming: z.array(
      z.strictObject({
        periodIndex: z.number().int(),
        effectiveAt: z.string(),
        expiresAt: z.string(),
        amount: z.string(),
        creditType: z.string(),
        plan: planRef,
      }),
    ),
    payment: z
      .strictObject({
        status: z.enum(['pending', 'paid', 'past_due', 'failed']),
        purchaseId: z.string(),
        amount: z.strictObject({ amount: z.string(), currency: z.string() }),
        graceEndsAt: z.string().nullable(),
      })
      .optional()
      .meta({
        description:
          'The current period’s charge, for a paid plan: `past_due` while it is retried within the grace period (no allotment until paid), `failed` once the subscription was paused for it.',
      }),
  })
  .meta({ id: 'SubscriptionState', description: 'The live state of a subscription, with its next allotments (up to 3).' });

const summarySchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    plan: planRef,
    startAt: z.string(),
    trialId: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'SubscriptionSummary' });

const startBody = z
  .strictObject({
    planId: idString,
    planVersion: planVersion.optional().meta({ description: 'Defaults to the latest version in plans/' }),
    startAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'Period 0 starts here (default now); not in the past, at most a year ahead' }),
  })
  .meta({ id: 'SubscriptionStartInput' });

const changeBody = z
  .strictObject({
    planId: idString.optional(),
    planVersion: planVersion.optional(),
    effective: z
      .enum(['next_period', 'now'])
      .optional()
      .meta({ description: '`next_period` (default), or `now` with a prorated extra allotment for the rest of the period' }),
    paused: z
      .boolean()
      .optional()
      .meta({ description: '`true` pauses allotments from the next period on; `false` resumes them at the next period' }),
  })
  .superRefine((b, ctx) => {
    if ((b.planId === undefined) === (b.paused === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['planId'],
        message: 'give either planId (a plan change) or paused (pause/resume), one per request',
      });
    }
    if (b.planId === undefined && (b.planVersion !== undefined || b.effective !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [b.effective !== undefined ? 'effective' : 'planVersion'], message: 'only with planId' });
    }
  })
  .meta({ id: 'SubscriptionChangeInput' });

const cancelAt = z.enum(['period_end', 'now']);
const cancelBody = z.strictObject({ at: cancelAt.optional() }).meta({ id: 'SubscriptionCancelInput' });
const subscriptionParams = accountIdParams.extend({ subscriptionId: idString });

/** Subscriptions over HTTP (R-G5): each one is a subscriptionWorkflow; its row here lists it and binds it to its account. */
export function registerSubscriptionRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/subscriptions',
    summary: 'Start a subscription to a plan',
    description:
      'Starts the subscription workflow: each period it issues the plan’s allotment and applies the rollover rule at the period end. The subscription id derives from the account and the Idempotency-Key, so a retry names the same subscription.',
    tags: ['Subscriptions'],
    scopes: writeScopes,
    access: { path: ['id'] },
    params: accountIdParams,
    body: startBody,
    example: { planId: 'starter', planVersion: '2026-01' },
    audit: { action: 'subscription.start', targetType: 'account' },
    idempotent: true,
    responses: {
      201: { description: 'Started', schema: subscriptionStateSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey }) => {
      const { subscriptionId, state } = await startSubscription(deps, params.id, body, { idempotencyKey: idempotencyKey!, actor });
      return { status: 201, body: state, headers: { Location: `/v1/accounts/${params.id}/subscriptions/${subscriptionId}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/subscriptions',
    summary: 'List an account’s subscriptions',
    description: 'Every subscription started for the account (directly or by a converting trial), by id. GET one for its live state.',
    tags: ['Subscriptions'],
    scopes: readScopes,
    access: { path: ['id'] },
    params: accountIdParams,
    query: pageQuery,
    responses: {
      200: { description: 'Subscriptions', schema: z.strictObject({ data: z.array(summarySchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, params, query }) => {
      const data = await subscriptionsOf(deps, params.id, { limit: query.limit, after: query.cursor });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/subscriptions/{subscriptionId}',
    summary: 'A subscription’s state and upcoming allotments',
    tags: ['Subscriptions'],
    scopes: readScopes,
    access: { path: ['id'] },
    params: subscriptionParams,
    responses: {
      200: { description: 'The state', schema: subscriptionStateSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ deps, params }) => {
      return { status: 200, body: await subscriptionState(deps, params.id, params.subscriptionId) };
    },
  });

  define({
    method: 'patch',
    path: '/v1/accounts/{id}/subscriptions/{subscriptionId}',
    summary: 'Change the plan, pause or resume a subscription',
    description:
      '`{planId, planVersion?, effective?}` changes the plan at the next period (default) or now with a prorated extra allotment; `{paused: true|false}` pauses or resumes allotments from the next period. 409 once the subscription is cancelling or cancelled.',
    tags: ['Subscriptions'],
    scopes: writeScopes,
    access: { path: ['id'] },
    params: subscriptionParams,
    body: changeBody,
    example: { planId: 'team', effective: 'next_period' },
    audit: { action: 'subscription.change', targetType: 'subscription', targetParam: 'subscriptionId' },
    idempotent: true,
    responses: {
      200: { description: 'The new state', schema: subscriptionStateSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'The subscription is cancelling or cancelled', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey }) => {
      const change =
        body.planId !== undefined
          ? { planId: body.planId, planVersion: body.planVersion, effective: body.effective }
          : { paused: body.paused! };
      return { status: 200, body: await changeSubscription(deps, params.id, params.subscriptionId, change, { idempotencyKey, actor }) };
    },
  });

  define({
    method: 'delete',
    path: '/v1/accounts/{id}/subscriptions/{subscriptionId}',
    summary: 'Cancel a subscription',
    description:
      '`at=period_end` (default; query parameter, or `{"at": …}` in the body) lets the current period run out with its rollover; `at=now` stops at once (granted credits keep their expiry). 409 when already cancelling or cancelled.',
    tags: ['Subscriptions'],
    scopes: writeScopes,
    access: { path: ['id'] },
    params: subscriptionParams,
    query: z.strictObject({ at: cancelAt.optional() }),
    body: cancelBody,
    example: { at: 'period_end' },
    audit: { action: 'subscription.cancel', targetType: 'subscription', targetParam: 'subscriptionId' },
    idempotent: true,
    responses: {
      200: { description: 'The new state', schema: subscriptionStateSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Already cancelling or cancelled', schema: problemSchema },
    },
    handler: async ({ deps, params, query, body, actor, idempotencyKey }) => {
      if (query.at !== undefined && body.at !== undefined && query.at !== body.at) {
        throw new ValidationError('Two different cancellation times', [
          { path: 'at', message: `query says ${query.at}, body says ${body.at}` },
        ]);
      }
      const at = query.at ?? body.at ?? 'period_end';
      return { status: 200, body: await cancelSubscription(deps, params.id, params.subscriptionId, at, { idempotencyKey, actor }) };
    },
  });
}
