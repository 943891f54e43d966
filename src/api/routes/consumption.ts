import { z } from 'zod';
import type { Reservation } from '../../contracts/consumption.js';
import { completeConsumption, consumptionView, startConsumption } from '../../consumption/service.js';
import { InsufficientCreditsError, ValidationError } from '../../errors.js';
import { HttpProblem } from '../problem.js';
import type { DefineRoute } from '../route.js';
import { decimalString, idString, insufficientCreditsSchema, problemSchema } from '../schemas/common.js';
import { ownerOf } from '../owners.js';

const quantity = decimalString;
const startBody = z
  .strictObject({
    accountId: idString,
    feature: z.string().min(1).max(64),
    quantity: quantity
      .optional()
      .meta({ description: 'The known quantity (calls, tokens, seconds…): reserved and, without a report, burned.' }),
    estimate: quantity.optional().meta({ description: 'An estimate to reserve for; the actual quantity comes with completion.' }),
    idempotencyKey: idString.meta({
      description: 'Names this consumption: a retry with the same key gets the same consumption and answer.',
    }),
    execute: z
      .discriminatedUnion('mode', [
        z.strictObject({
          mode: z.literal('report'),
          timeoutSeconds: z
            .number()
            .int()
            .min(1)
            .max(7 * 86_400)
            .optional(),
        }),
        z.strictObject({
          mode: z.literal('activity'),
          taskQueue: z.string().min(1).max(200),
          timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
        }),
      ])
      .default({ mode: 'report' })
      .meta({
        description:
          'report (default): the product calls /complete; activity: the product’s own worker runs `executeConsumption` on taskQueue.',
      }),
  })
  .refine((b) => (b.quantity === undefined) !== (b.estimate === undefined), {
    message: 'give exactly one of quantity or estimate',
    path: ['quantity'],
  });

const reservationSchema = z
  .object({
    consumptionId: z.string(),
    status: z.literal('reserved'),
    enforcementMode: z.enum(['enforce', 'shadow', 'off']),
    failOpen: z.boolean(),
    holdId: z.string().nullable(),
    creditType: z.string().nullable(),
    reserved: z.string().nullable(),
    pricingVersion: z.string().nullable(),
  })
  .meta({ id: 'ConsumptionReservation' });

const completeBody = z.union([
  z.strictObject({ actualQuantity: quantity }),
  z.strictObject({ failed: z.literal(true), reason: z.string().min(1).max(500) }),
]);
const outcomeSchema = z
  .object({
    consumptionId: z.string(),
    status: z.string(),
    burned: z.string().nullable(),
    creditType: z.string().nullable(),
    pricingVersion: z.string().nullable(),
    transactionIds: z.array(z.string()),
    reason: z.string().optional(),
  })
  .meta({ id: 'ConsumptionOutcome' });
const consumptionSchema = z
  .object({})
  .passthrough()
  .meta({ id: 'Consumption', description: 'Status, ratings (rule version, inputs, cost) and the ledger entries produced.' });
const idParams = z.strictObject({ id: z.string().regex(/^cons_[0-9a-f]{32}$/, 'a consumption id: cons_ and 32 hex digits') });

/** Turns a non-reserved answer into the problem the caller acts on. */
function refusal(reservation: Reservation): Error {
  if (reservation.status === 'rejected' && reservation.insufficient) {
    const i = reservation.insufficient;
    return new InsufficientCreditsError(i.accountId, i.creditType, i.available, i.requested, i.shortfall);
  }
  if (reservation.status === 'invalid') {
    return new ValidationError('The consumption is invalid', [
      {
        path: reservation.code === 'not_found' ? 'accountId' : 'feature',
        message: reservation.reason ?? 'invalid',
        code: reservation.code ?? 'invalid',
      },
    ]);
  }
  return new HttpProblem(
    {
      title: 'Service Unavailable',
      status: 503,
      code: 'ledger_unavailable',
      detail: `The ledger is unreachable and LEDGER_UNAVAILABLE_POLICY is fail_closed: ${reservation.reason ?? ''}`.trim(),
    },
    { 'Retry-After': '5' },
  );
}

export function registerConsumptionRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/consumptions',
    summary: 'Start a consumption (reserve → execute → burn)',
    description:
      'Starts the consumption saga workflow with Update-with-Start and answers synchronously: 201 reserved (the hold lives as long as the workflow) or 402 with the shortfall. Complete it with POST /v1/consumptions/{id}/complete, or let the product’s worker run the execute activity.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { body: ['accountId'] },
    body: startBody,
    example: { accountId: 'acme', feature: 'chat', estimate: '1200', idempotencyKey: 'chat-msg-8841' },
    accountRateLimit: true,
    idempotent: true,
    responses: {
      201: { description: 'Reserved', schema: reservationSchema },
      402: { description: 'Not enough credits', schema: insufficientCreditsSchema },
      404: { description: 'No such account', schema: problemSchema },
      429: { description: 'Rate limited (Retry-After)', schema: problemSchema },
      503: { description: 'Ledger unreachable, fail-closed (Retry-After)', schema: problemSchema },
    },
    handler: async ({ deps, body, actor }) => {
      const { consumptionId, reservation } = await startConsumption(
        deps,
        {
          accountId: body.accountId,
          feature: body.feature,
          estimate: (body.quantity ?? body.estimate)!,
          idempotencyKey: body.idempotencyKey,
          execute: body.execute,
        },
        actor,
      );
      if (reservation.status !== 'reserved') throw refusal(reservation);
      return { status: 201, body: reservation, headers: { Location: `/v1/consumptions/${consumptionId}` } };
    },
  });

  define({
    method: 'post',
    path: '/v1/consumptions/{id}/complete',
    summary: 'Report a consumption’s result',
    description:
      '`{actualQuantity}` burns the actual usage (rated with the version it reserved under; the rest of the hold is released); `{failed: true, reason}` releases the hold. Answers with the outcome.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { owner: ownerOf.consumption },
    params: idParams,
    body: completeBody,
    example: { actualQuantity: '1034' },
    idempotent: true,
    responses: {
      200: { description: 'Burned or released', schema: outcomeSchema },
      404: { description: 'No such consumption', schema: problemSchema },
      409: {
        description: 'Not waiting for a report (already completed differently, not reserved, or an activity consumption)',
        schema: problemSchema,
      },
    },
    handler: async ({ deps, params, body }) => {
      const completed = await completeConsumption(deps, params.id, body);
      if ('refused' in completed) {
        throw new HttpProblem({
          title: 'Conflict',
          status: 409,
          code: 'consumption_not_completable',
          detail: completed.refused,
          consumptionStatus: completed.consumptionStatus,
        });
      }
      return { status: 200, body: completed.outcome };
    },
  });

  define({
    method: 'get',
    path: '/v1/consumptions/{id}',
    summary: 'Get a consumption, with its trace',
    tags: ['Consumption'],
    scopes: ['service', 'admin', 'support', 'finance', 'customer'],
    access: { owner: ownerOf.consumption },
    params: idParams,
    responses: {
      200: { description: 'The consumption', schema: consumptionSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ deps, params }) => {
      const view = await consumptionView(deps, params.id);
      return { status: 200, body: view };
    },
  });
}
