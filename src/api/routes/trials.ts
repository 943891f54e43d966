import { z } from 'zod';
import { planCatalog } from '../../grants/plans.js';
import { subscriptionIdFor } from '../../grants/subscription-records.js';
import { requireAccount } from '../../ledger/index.js';
import { trialGrantIssuedUpdate, trialStateQuery, trialWorkflowId } from '../../contracts/grants.js';
import { trialWorkflow } from '../../../workflows/grants/trial.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, idString, problemSchema } from '../schemas/common.js';
import { queryState, settledState, startOnce } from '../../grants/workflow-calls.js';
import { readScopes, writeScopes } from './subscriptions.js';

const DAY_MS = 86_400_000;

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
    params: accountIdParams,
    body: z
      .object({
        trialId: idString,
        planVersion: z
          .string()
          .regex(/^\d{4}-\d{2}$/, 'a plan version such as 2026-01')
          .optional(),
      })
      .meta({ id: 'TrialStartInput' }),
    idempotent: true,
    responses: {
      201: { description: 'Started', schema: trialStateSchema },
      200: { description: 'This trial was already given to the account', schema: trialStateSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, authorizeAccount }) => {
      authorizeAccount(params.id);
      await requireAccount(deps.db, params.id);
      const trial = planCatalog().resolveForRequest('trials', body.trialId, body.planVersion, 'trialId');
      const { handle, started } = await startOnce(deps, trialWorkflow, trialWorkflowId(params.id, trial.trialId), [
        {
          accountId: params.id,
          trial,
          startedAt: deps.clock().toISOString(),
          expiringNoticeMs: deps.config.GRANT_EXPIRING_NOTICE_DAYS * DAY_MS,
          subscriptionId: subscriptionIdFor(params.id, `trial:${trial.trialId}`),
        },
      ]);
      const state = await settledState(handle, trialGrantIssuedUpdate, trialStateQuery, 'trial', trial.trialId);
      return { status: started ? 201 : 200, body: state, headers: { Location: `/v1/accounts/${params.id}/trials/${trial.trialId}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/trials/{trialId}',
    summary: 'A trial’s state',
    tags: ['Subscriptions'],
    scopes: readScopes,
    params: trialParams,
    responses: { 200: { description: 'The trial', schema: trialStateSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, authorizeAccount }) => {
      authorizeAccount(params.id);
      return {
        status: 200,
        body: await queryState(
          deps.temporal.workflow.getHandle(trialWorkflowId(params.id, params.trialId)),
          trialStateQuery,
          'trial',
          params.trialId,
        ),
      };
    },
  });
}
