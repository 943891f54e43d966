import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { simulationStates } from '../../db/schema-pricing-simulations.js';
import { createSimulation, simulationById, simulationResults } from '../../consumption/simulation/simulation-service.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { problemSchema } from '../schemas/common.js';
import {
  simulationParams,
  simulationRequestSchema,
  simulationResultSchema,
  simulationResultsQuery,
  simulationSchema,
} from '../schemas/pricing-simulations.js';

const writers = ['admin', 'finance'] as const;
const readers = ['admin', 'finance', 'support'] as const;

/** Pricing simulations (issue 18): what a candidate price would have charged over a window, ledger untouched. */
export function registerPricingSimulationRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/pricing/simulations',
    summary: 'Simulate a pricing candidate over past usage',
    description:
      'Re-rates the stored usage events of [from, to) under a candidate (a pricing version id, or inline rules) with the same rating code metering uses, and sums per account, feature and credit type the credits actually rated against the credits the candidate would charge. Runs as a workflow (202); follow it with GET /v1/pricing/simulations/{id}. Nothing is written to the ledger.',
    tags: ['Pricing'],
    scopes: writers,
    access: { global: true },
    body: simulationRequestSchema,
    example: { candidate: '2026-07', from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z' },
    idempotent: true,
    responses: {
      202: { description: 'Started', schema: simulationSchema },
      400: { description: 'Unknown version or credit type, invalid rules or window', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, body, mode } = ctx;
      const view = await createSimulation(deps, body, { mode, audit: auditContextOf(ctx) });
      return { status: 202, body: view, headers: { Location: `/v1/pricing/simulations/${view.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/pricing/simulations/{id}',
    summary: 'A pricing simulation’s progress and totals',
    description: 'State, events rated of the total, and the sums per credit type so far (final once `completed`).',
    tags: ['Pricing'],
    scopes: readers,
    access: { owner: ownerOf.simulation },
    params: simulationParams,
    responses: {
      200: { description: 'The simulation', schema: simulationSchema },
      404: { description: 'No such simulation', schema: problemSchema },
    },
    handler: async ({ deps, params, mode }) => ({ status: 200, body: await simulationById(deps, params.id, mode) }),
  });

  define({
    method: 'get',
    path: '/v1/pricing/simulations/{id}/results',
    summary: 'A pricing simulation’s results per account and feature',
    description: 'Actual against simulated credits per account, feature and credit type, in that order, a page at a time.',
    tags: ['Pricing'],
    scopes: readers,
    access: { owner: ownerOf.simulation },
    params: simulationParams,
    query: simulationResultsQuery,
    responses: {
      200: {
        description: 'Results',
        schema: z.strictObject({
          state: z.enum(simulationStates),
          data: z.array(simulationResultSchema),
          nextCursor: z.string().nullable(),
        }),
      },
      400: { description: 'Invalid cursor', schema: problemSchema },
      404: { description: 'No such simulation', schema: problemSchema },
    },
    handler: async ({ deps, params, query, mode }) => ({ status: 200, body: await simulationResults(deps, params.id, mode, query) }),
  });
}
