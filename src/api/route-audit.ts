import { writeAudit } from '../audit/audit-log.js';
import { auditContextOf } from '../audit/request-context.js';
import type { ApiDeps } from './deps.js';

/**
 * A route's audit record (R-S2), declared in its spec, for changes whose
 * service does not write one itself (settings and workflow-driven changes:
 * auto-recharge, HubSpot links, subscriptions, trials, money refunds).
 * Written when the request runs (not on an idempotent replay) and before its
 * response is stored: if it cannot be written the request fails and its
 * Idempotency-Key is freed, so the retry audits it.
 */
export interface RouteAudit {
  action: string;
  targetType: string;
  /** The path parameter naming the target (default `id`). */
  targetParam?: string;
  /** The target, when the path names none (a global setting). */
  targetId?: string;
}

export async function auditRoute(
  deps: ApiDeps,
  audit: RouteAudit,
  ctx: { actor: string; requestId: string; req: { ip?: string | undefined }; params: unknown; account: string | null },
  after: unknown,
): Promise<void> {
  const params = (ctx.params ?? {}) as Record<string, string | undefined>;
  await writeAudit(deps.ledger.db, {
    ...auditContextOf(ctx),
    action: audit.action,
    targetType: audit.targetType,
    targetId: audit.targetId ?? params[audit.targetParam ?? 'id'] ?? '',
    accountId: ctx.account,
    after,
    occurredAt: deps.ledger.clock(),
  });
}
