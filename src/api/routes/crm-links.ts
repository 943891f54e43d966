import { z } from 'zod';
import { getLink, linkAccount } from '../../crm/links.js';
import { requireAccount } from '../../ledger/index.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';

const linkSchema = z
  .object({
    accountId: z.string(),
    companyId: z.string().nullable(),
    domain: z.string().nullable(),
    ownerId: z
      .string()
      .nullable()
      .meta({ description: 'HubSpot owner of the company (kept current by the HubSpot webhook); owner tasks go to them' }),
    linkedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'HubSpotLink' });

export function registerCrmLinkRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/hubspot-link',
    summary: 'Link an account to a HubSpot company',
    description:
      'By `companyId`, or by `domain`: the first sync finds the company with that domain, or creates it. Burndown then keeps its own company properties (balances, burn rate, low-balance flag, …) current; domain and owner changes in HubSpot flow back through the HubSpot webhook.',
    tags: ['HubSpot'],
    scopes: ['admin', 'support'],
    params: accountIdParams,
    body: z.object({
      companyId: z
        .string()
        .regex(/^\d{1,20}$/, 'a HubSpot company id (digits)')
        .optional(),
      domain: z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain such as acme.com')
        .optional(),
    }),
    idempotent: true,
    responses: { 200: { description: 'Linked', schema: linkSchema }, 404: { description: 'No such account', schema: problemSchema } },
    handler: async ({ deps, params, body }) => {
      await requireAccount(deps.db, params.id);
      return { status: 200, body: await linkAccount(deps.db, { accountId: params.id, ...body }, deps.clock()) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/hubspot-link',
    summary: 'The HubSpot company an account is linked to',
    tags: ['HubSpot'],
    scopes: ['admin', 'support', 'service', 'finance'],
    params: accountIdParams,
    responses: { 200: { description: 'The link', schema: linkSchema }, 404: { description: 'Not linked', schema: problemSchema } },
    handler: async ({ deps, params }) => ({ status: 200, body: await getLink(deps.db, params.id) }),
  });
}
