import type { LedgerDeps } from '../ledger/index.js';
import { requireAccount } from '../ledger/index.js';
import { applyHubSpotEvents, firstDeliveryOf, verifyHubSpotSignatureV3, type HubSpotWebhookEvent } from './inbound.js';
import { getLink, linkAccount, type CrmLinkView } from './links.js';

/** What the HubSpot routes call. It needs the database and the clock (the ledger's) and the webhook secret. */
export interface CrmServiceDeps {
  ledger: LedgerDeps;
  config: { HUBSPOT_WEBHOOK_SECRET?: string | undefined };
}

/** Links an existing account to a HubSpot company, by company id or by domain (the first sync finds or creates it). */
export async function linkToHubSpot(
  deps: CrmServiceDeps,
  link: { accountId: string; companyId?: string | undefined; domain?: string | undefined },
): Promise<CrmLinkView> {
  await requireAccount(deps.ledger.db, link.accountId);
  return linkAccount(deps.ledger.db, link, deps.ledger.clock());
}

/** The HubSpot company an account is linked to; NotFoundError when it is not linked. */
export function hubSpotLinkOf(deps: CrmServiceDeps, accountId: string): Promise<CrmLinkView> {
  return getLink(deps.ledger.db, accountId);
}

/** Whether an inbound webhook carries a valid signature v3 (false when HUBSPOT_WEBHOOK_SECRET is not set). */
export function hubSpotSignatureValid(
  deps: CrmServiceDeps,
  request: { method: string; url: string; rawBody: string; signature: string | undefined; timestamp: string | undefined },
): boolean {
  const secret = deps.config.HUBSPOT_WEBHOOK_SECRET;
  return secret !== undefined && verifyHubSpotSignatureV3({ ...request, secret, now: deps.ledger.clock() });
}

/**
 * Applies HubSpot's company changes (domain, owner, deletion) to the links,
 * once per signed delivery: a replayed one is acknowledged and ignored.
 */
export async function applyInboundEvents(deps: CrmServiceDeps, events: HubSpotWebhookEvent[], signature: string) {
  if (!(await firstDeliveryOf(deps.ledger.db, signature, deps.ledger.clock()))) {
    return { applied: 0, ignored: events.length, replayed: true };
  }
  return applyHubSpotEvents(deps.ledger.db, events, deps.ledger.clock());
}
