import { z } from 'zod';
import { queryAudit } from '../../audit/audit-log.js';
import { ForbiddenError } from '../../errors.js';
import type { DefineRoute } from '../route.js';
import { idString, isoTime } from '../schemas/common.js';

const auditSchema = z
  .object({
    id: z.string(),
    occurredAt: z.string(),
    actor: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    accountId: z.string().nullable(),
    sourceIp: z.string().nullable(),
    requestId: z.string().nullable(),
    reason: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .meta({ id: 'AuditRecord' });

export function registerAuditRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/audit',
    summary: 'Search the audit log',
    description:
      'Every administrative action with who, when, source IP, request id, reason, and the state before and after. Newest first; `cursor` pages back.',
    tags: ['Audit'],
    scopes: ['admin', 'finance', 'approver'],
    query: z.object({
      actor: z.string().max(200).optional(),
      action: z.string().max(100).optional(),
      targetType: z.string().max(50).optional(),
      targetId: z.string().max(200).optional(),
      accountId: idString.optional(),
      from: isoTime.optional(),
      to: isoTime.optional(),
      cursor: z.string().regex(/^\d+$/).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    responses: {
      200: { description: 'Audit records', schema: z.object({ data: z.array(auditSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, query, principal }) => {
      if (principal.accountId !== null) throw new ForbiddenError('An account-bound key cannot read the audit log');
      const { cursor, ...filter } = query;
      const data = await queryAudit(deps.db, { ...filter, before: cursor === undefined ? undefined : BigInt(cursor) });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });
}
