import { z } from 'zod';
import { convertTrialNow, startTrial, trialState } from '../../grants/subscription-service.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, idString, problemSchema } from '../schemas/common.js';
import { readScopes, subscriptionStateSchema, writeScopes } from './grants-subscriptions.js';

const trialStateSchema = z
  .object({
    trialId: z.string(),
    accountId: z.string(),
    grantId: z.string().nullable(),
    endsAt: z.string(),
    status: z.enum(['running', 'expired', 'converted', 'cancelled']),
    subscriptionId: z.string().nullable(),
  })
  .meta({ id: 'TrialState' });

const trialParams = accountIdParams.extend({ trialId: idString });

/** Trials over HTTP (R-G7): each is a trialWorkflow, once per account and trial. */
export function registerTrialRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/trials',
    summary: 'Start a trial',
    description:
      'Grants the trial’s credits (source `trial`) expiring at the trial end; at the end they expire, or the trial converts into its configured plan’s subscription (see plans/). Once per account and trial: asking again answers 200 with the trial already running or finished.',
    tags: ['Subscriptions'],
    scopes: writeScopes,
    access: { path: ['id'] },
    params: accountIdParams,
    body: z
      .strictObject({
        trialId: idString,
        planVersion: z
          .string()
          .regex(/^\d{4}-\d{2}$/, 'a plan version such as 2026-01')
          .optional(),
      })
      .meta({ id: 'TrialStartInput' }),
    example: { trialId: 'default' },
    audit: { action: 'trial.start', targetType: 'account' },
    idempotent: true,
    responses: {
      201: { description: 'Started', schema: trialStateSchema },
      200: { description: 'This trial was already given to the account', schema: trialStateSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body }) => {
      const { trialId, started, state } = await startTrial(deps, params.id, body);
      return { status: started ? 201 : 200, body: state, headers: { Location: `/v1/accounts/${params.id}/trials/${trialId}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/trials/{trialId}',
    summary: 'A trial’s state',
    tags: ['Subscriptions'],
    scopes: readScopes,
    access: { path: ['id'] },
    params: trialParams,
    responses: { 200: { description: 'The trial', schema: trialStateSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      return { status: 200, body: await trialState(deps, params.id, params.trialId) };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/trials/{trialId}/convert',
    summary: 'Convert a trial to its plan now',
    description:
      'Ends a running trial that converts to a plan (e.g. after `trial.depleted`) before its end: what is left of the trial credits is voided, and the plan’s subscription starts now, its first period charged through the payment gateway before the allotment (a paid plan). Answers with the trial (`converted`) and the subscription’s state (`payment`). 409 `trial_closed` when the trial already ended or converted, `not_convertible` when it converts to no plan.',
    tags: ['Subscriptions'],
    scopes: writeScopes,
    access: { path: ['id'] },
    params: trialParams,
    body: z.strictObject({}).meta({ id: 'TrialConvertInput' }),
    example: {},
    audit: { action: 'trial.convert', targetType: 'account' },
    idempotent: true,
    responses: {
      200: {
        description: 'Converted',
        schema: z.object({ trial: trialStateSchema, subscription: subscriptionStateSchema }).meta({ id: 'TrialConversion' }),
      },
      404: { description: 'No such account or trial', schema: problemSchema },
      409: { description: 'The trial ended, converted already, or converts to no plan', schema: problemSchema },
    },
    handler: async ({ deps, params, actor, idempotencyKey }) => {
      return { status: 200, body: await convertTrialNow(deps, params.id, params.trialId, { idempotencyKey, actor }) };
    },
  });
}
