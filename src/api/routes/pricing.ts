import { z } from 'zod';
import { accountRateCard, entitlementOf, getPricingVersion, listPricingVersions } from '../../consumption/pricing-service.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';
import {
  entitlementParams,
  entitlementQuery,
  entitlementSchema,
  pricingVersionSchema,
  pricingVersionSummarySchema,
  rateCardSchema,
  versionParams,
} from '../schemas/pricing.js';

const readers = ['service', 'admin', 'support', 'finance', 'customer'] as const;

/** Pricing reads (issue 18): the entitlement check, the pricing versions and an account's rate card. */
export function registerPricingRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/accounts/{id}/entitlements/{feature}',
    summary: 'May this account use a feature now?',
    description:
      'Prices `quantity` of the feature for this account (its pricing version, cohort and price override) and judges it against its balance, overdraft limit and enforcement mode. Writes nothing; one SQL statement. `allowed` is for this instant: a deduct a moment later may still answer 402.',
    tags: ['Pricing'],
    scopes: readers,
    access: { path: ['id'] },
    params: entitlementParams,
    query: entitlementQuery,
    responses: {
      200: { description: 'The verdict, with the cost and the rate’s origin', schema: entitlementSchema },
      400: { description: 'Unknown feature or invalid quantity', schema: problemSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => ({
      status: 200,
      body: await entitlementOf(deps, params.id, params.feature, query.quantity),
    }),
  });

  define({
    method: 'get',
    path: '/v1/pricing/versions',
    summary: 'List pricing versions',
    description:
      'Every version of the pricing rules (pricing/*.yaml), oldest first; `current` is the one unpinned accounts are priced by now.',
    tags: ['Pricing'],
    scopes: readers,
    access: { anyKey: true },
    responses: { 200: { description: 'Versions', schema: z.object({ data: z.array(pricingVersionSummarySchema) }) } },
    handler: async ({ deps }) => ({ status: 200, body: { data: await listPricingVersions(deps) } }),
  });

  define({
    method: 'get',
    path: '/v1/pricing/versions/{version}',
    summary: 'Get a pricing version',
    description: 'The version’s rules: each feature’s credit type, rounding and rate, and its cohorts’ rates.',
    tags: ['Pricing'],
    scopes: readers,
    access: { anyKey: true },
    params: versionParams,
    responses: {
      200: { description: 'The version', schema: pricingVersionSchema },
      404: { description: 'No such version', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({ status: 200, body: await getPricingVersion(deps, params.version) }),
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/rate-card',
    summary: 'An account’s rate card',
    description:
      'What each feature costs this account now, the version it is priced by (pinned or current), and where each rate comes from: the version, its cohort, or the account’s price override (with the list rate it replaces).',
    tags: ['Pricing'],
    scopes: readers,
    access: { path: ['id'] },
    params: accountIdParams,
    responses: {
      200: { description: 'The rate card', schema: rateCardSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({ status: 200, body: await accountRateCard(deps, params.id) }),
  });
}
