import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { changeExpiry, grantAccount } from '../../grants/service.js';
import type { DefineRoute } from '../route.js';
import { idString, problemSchema } from '../schemas/common.js';
import { grantSchema } from '../schemas/ledger.js';

export function registerGrantExpiryRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/grants/{id}/expiry',
    summary: 'Change when a grant expires',
    description:
      'Moves (or, with null, removes) an active grant’s expiry. No ledger entry: the expiry timer is moved, and the change lands in the audit log with the old and new instant.',
    tags: ['Grants'],
    scopes: ['admin', 'support'],
    params: z.object({ id: idString }),
    body: z
      .object({
        expiresAt: z.iso.datetime({ offset: true }).nullable(),
        reason: z.string().trim().min(1).max(1000),
      })
      .meta({ id: 'GrantExpiryChange' }),
    idempotent: true,
    responses: {
      200: { description: 'Changed', schema: grantSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Not active or already past its expiry', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, actor, idempotencyKey, authorizeAccount } = ctx;
      const accountId = await grantAccount(deps, params.id);
      authorizeAccount(accountId);
      const grant = await changeExpiry(
        deps,
        { grantId: params.id, accountId, expiresAt: body.expiresAt === null ? null : new Date(body.expiresAt) },
        { actor, idempotencyKey, reason: body.reason },
        auditContextOf(ctx),
      );
      return { status: 200, body: grant };
    },
  });
}
