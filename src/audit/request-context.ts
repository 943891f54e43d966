import type { AuditContext } from './audit-log.js';

/** Who, from where and under which request id: the audit context of an HTTP request. */
export function auditContextOf(ctx: { actor: string; requestId: string; req: { ip?: string | undefined } }): AuditContext {
  return { actor: ctx.actor, sourceIp: ctx.req.ip ?? null, requestId: ctx.requestId };
}
