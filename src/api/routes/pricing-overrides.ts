import { z } from 'zod';
import { createPriceOverride, endPriceOverride, getPriceOverride, listPriceOverrides } from '../../consumption/pricing-service.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';
import { overrideBody, overrideParams, overrideSchema } from '../schemas/pricing.js';

const writers = ['admin', 'finance'] as const;
const readers = ['admin', 'finance', 'support', 'service'] as const;

/** Negotiated per-customer rates (issue 18, R-C7): created and ended through the API, audited, used by rating. */
export function registerPriceOverrideRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/price-overrides',
    summary: 'Give an account a negotiated rate',
    description:
      'From `effectiveFrom` (until `effectiveTo`, if given) the feature is rated for this account at `rate` or `tiers` instead of its version’s (or cohort’s) rate; the credit type and rounding stay the rule’s. Usage is placed by its own time (an event’s timestamp). Every rating records the override it used. Windows of one feature never overlap (409 override_overlap).',
    tags: ['Pricing'],
    scopes: writers,
    access: { path: ['id'] },
    params: accountIdParams,
    body: overrideBody,
    example: {
      feature: 'chat',
      rate: '0.80',
      effectiveFrom: '2026-08-01T00:00:00Z',
      effectiveTo: '2027-08-01T00:00:00Z',
      reason: 'annual contract #4411',
    },
    audit: { action: 'price_override.create', targetType: 'account' },
    idempotent: true,
    responses: {
      201: { description: 'Stored', schema: overrideSchema },
      400: { description: 'Invalid rate, tiers, window or unknown feature', schema: problemSchema },
      404: { description: 'No such account', schema: problemSchema },
      409: { description: 'Another override of the feature is in force during the window', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor }) => {
      const created = await createPriceOverride(deps, params.id, body, actor);
      return { status: 201, body: created, headers: { Location: `/v1/accounts/${params.id}/price-overrides/${created.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/price-overrides',
    summary: 'List an account’s price overrides',
    description: 'Every override ever given, newest window first, with its status (scheduled, active, expired, ended).',
    tags: ['Pricing'],
    scopes: readers,
    access: { path: ['id'] },
    params: accountIdParams,
    responses: {
      200: { description: 'Overrides', schema: z.object({ data: z.array(overrideSchema) }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({ status: 200, body: { data: await listPriceOverrides(deps, params.id) } }),
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/price-overrides/{overrideId}',
    summary: 'Get a price override',
    tags: ['Pricing'],
    scopes: readers,
    access: { path: ['id'] },
    params: overrideParams,
    responses: { 200: { description: 'The override', schema: overrideSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => ({ status: 200, body: await getPriceOverride(deps, params.id, params.overrideId) }),
  });

  define({
    method: 'delete',
    path: '/v1/accounts/{id}/price-overrides/{overrideId}',
    summary: 'End a price override now',
    description:
      'Usage from now on is rated by the version again; usage before now (late events too) keeps the override. One not yet in force is never applied. The record stays (ratings name it). 409 when already ended or expired.',
    tags: ['Pricing'],
    scopes: writers,
    access: { path: ['id'] },
    params: overrideParams,
    audit: { action: 'price_override.end', targetType: 'price_override', targetParam: 'overrideId' },
    idempotent: true,
    responses: {
      200: { description: 'Ended', schema: overrideSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Already ended or expired', schema: problemSchema },
    },
    handler: async ({ deps, params, actor }) => ({ status: 200, body: await endPriceOverride(deps, params.id, params.overrideId, actor) }),
  });
}
