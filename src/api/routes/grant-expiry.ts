import { z } from 'zod';
import { withAudit } from '../../audit/audit-log.js';
import { auditContextOf } from '../../audit/request-context.js';
import { signalExpiryChanged, timerSettingsOf } from '../../grants/timers.js';
import { changeGrantExpiry, findGrant, type ExpiryChange } from '../../ledger/index.js';
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
      const grant = await findGrant(deps.db, params.id);
      authorizeAccount(grant.account_id);
      const ledger = withAudit(deps.ledger, ({ kind, result }) => {
        if (kind !== 'grant_expiry_change') return undefined;
        const change = result as ExpiryChange;
        return {
          ...auditContextOf(ctx),
          action: 'grant.expiry_change',
          targetType: 'grant',
          targetId: params.id,
          accountId: grant.account_id,
          reason: body.reason,
          before: { expiresAt: change.previousExpiresAt },
          after: { expiresAt: change.grant.expiresAt },
        };
      });
      const expiresAt = body.expiresAt === null ? null : new Date(body.expiresAt);
      const change = await changeGrantExpiry(ledger, params.id, expiresAt, { actor, idempotencyKey, reason: body.reason });
      await signalExpiryChanged(timerSettingsOf(deps), params.id, change.grant.expiresAt);
      return { status: 200, body: change.grant };
    },
  });
}
