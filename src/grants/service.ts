import type { Client } from '@temporalio/client';
import { auditing, withAudit, type AuditContext } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import {
  findGrant,
  getGrant,
  listGrants,
  type ExpiryChange,
  type GrantView,
  type GrantInput,
  type LedgerDeps,
  type OperationMeta,
} from '../ledger/index.js';
import { changeGrantExpiry, issueGrant, voidGrant } from '../observability/measured-ledger.js';
import type { Logger } from '../logger.js';
import { ForbiddenError } from '../errors.js';
import { refuseSupportGrantAboveLimit } from './direct-grant-limit.js';
import { refuseMoneyBackedGrant, withDailyCap } from './grant-policy.js';
import { signalExpiryChanged, signalGrantClosed, startExpiryTimer, timerSettingsOf } from './timers.js';

/**
 * What the grant routes call: the ledger's grant operations with their audit
 * records, and the grants' expiry timers started, moved and ended to match.
 * It needs the ledger's dependencies, Temporal (the timers), the
 * configuration and a logger (a timer that cannot be reached is logged; the
 * expiry sweep covers it).
 */
export interface GrantsServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: Config;
  logger: Logger;
}

/**
 * Issues a grant from the API: a support-only key is held to its limit (above
 * it, support-grants asks for approval); the audit record is written in the
 * grant's own ledger transaction; a grant with an expiry gets its timer.
 */
export async function grantCredits(
  deps: GrantsServiceDeps,
  grant: GrantInput & { reason?: string | undefined },
  meta: OperationMeta & { scopes: ReadonlySet<string> },
  audit: AuditContext,
): Promise<GrantView> {
  refuseMoneyBackedGrant(meta.scopes, grant);
  await refuseSupportGrantAboveLimit(deps.ledger.db, meta.scopes, deps.config.GRANT_APPROVAL_LIMITS, grant);
  const { reason, ...input } = grant;
  const who = { actor: meta.actor, scopes: meta.scopes };
  const created = await withDailyCap(deps.ledger, who, grant, deps.config.GRANT_DAILY_LIMITS, (ledger, withinCap) => {
    if (!withinCap) {
      throw new ForbiddenError(
        `You have granted this account as much as GRANT_DAILY_LIMITS allows within 24 hours; use POST /v1/accounts/${grant.accountId}/support-grants, which asks for approval.`,
      );
    }
    const audited = auditing(ledger, 'grant', {
      ...audit,
      action: 'grant.issue',
      targetType: 'account',
      targetId: grant.accountId,
      accountId: grant.accountId,
      reason,
    });
    return issueGrant(audited, input, { actor: meta.actor, idempotencyKey: meta.idempotencyKey, reason });
  });
  await startExpiryTimer(timerSettingsOf(deps), created);
  return created;
}

/** An account's grants, oldest first, a page at a time. */
export function grantsOf(deps: { ledger: LedgerDeps }, accountId: string, page: Parameters<typeof listGrants>[2]): Promise<GrantView[]> {
  return listGrants(deps.ledger.db, accountId, page);
}

/** One grant; NotFoundError for an unknown id. */
export function grantById(deps: { ledger: LedgerDeps }, grantId: string): Promise<GrantView> {
  return getGrant(deps.ledger.db, grantId);
}

/** Voids what remains of a grant (audited with the grant as it was), and ends its timer. */
export async function voidGrantAudited(
  deps: GrantsServiceDeps,
  before: GrantView,
  meta: OperationMeta,
  audit: AuditContext,
): Promise<GrantView> {
  const record = {
    ...audit,
    action: 'grant.void',
    targetType: 'grant',
    targetId: before.id,
    accountId: before.accountId,
    reason: meta.reason,
    before,
  };
  const voided = await voidGrant(auditing(deps.ledger, 'void', record), before.id, meta);
  await signalGrantClosed(timerSettingsOf(deps), before.id);
  return voided;
}

/** The account a grant belongs to; NotFoundError for an unknown id. */
export async function grantAccount(deps: { ledger: LedgerDeps }, grantId: string): Promise<string> {
  return (await findGrant(deps.ledger.db, grantId)).account_id;
}

/**
 * Moves (or, with null, removes) an active grant's expiry: no ledger entry,
 * an audit record with the old and new instant, and the timer told.
 */
export async function changeExpiry(
  deps: GrantsServiceDeps,
  change: { grantId: string; accountId: string; expiresAt: Date | null },
  meta: OperationMeta,
  audit: AuditContext,
): Promise<GrantView> {
  const ledger = withAudit(deps.ledger, ({ kind, result }) => {
    if (kind !== 'grant_expiry_change') return undefined;
    const changed = result as ExpiryChange;
    return {
      ...audit,
      action: 'grant.expiry_change',
      targetType: 'grant',
      targetId: change.grantId,
      accountId: change.accountId,
      reason: meta.reason,
      before: { expiresAt: changed.previousExpiresAt },
      after: { expiresAt: changed.grant.expiresAt },
    };
  });
  const changed = await changeGrantExpiry(ledger, change.grantId, change.expiresAt, meta);
  await signalExpiryChanged(timerSettingsOf(deps), change.grantId, changed.grant.expiresAt);
  return changed.grant;
}
