import type { Config } from '../config/config.js';
import { ValidationError } from '../errors.js';
import { requireAccount, type LedgerDeps } from '../ledger/index.js';
import { checkEntitlement } from './entitlement.js';
import { resolveRule } from './pricing/catalog.js';
import { endOverride, findOverride, insertOverride, listOverrides, type OverrideInput } from './pricing/override-store.js';
import { pricingVersion, pricingVersions, rateCard } from './pricing/rate-card.js';
import { loadAccount } from './rating.js';
import type { LiveEnforcement } from '../settings/live-enforcement.js';
import { consumptionDepsFor } from './settings.js';

/**
 * What the pricing routes call (issue 18): the entitlement check, the pricing
 * versions, an account's rate card, and its negotiated price overrides. The
 * rules come from PRICING_DIR (loaded once per process); rating is the one in
 * rating.ts, so a rate card, a check and a burn always agree.
 */
export interface PricingServiceDeps {
  ledger: LedgerDeps;
  config: Config;
  enforcement: LiveEnforcement;
}

export async function entitlementOf(deps: PricingServiceDeps, accountId: string, feature: string, quantity: string) {
  return checkEntitlement(await consumptionDepsFor(deps), accountId, feature, quantity);
}

export async function listPricingVersions(deps: PricingServiceDeps) {
  return pricingVersions((await consumptionDepsFor(deps)).catalog, deps.ledger.clock());
}

export async function getPricingVersion(deps: PricingServiceDeps, version: string) {
  return pricingVersion((await consumptionDepsFor(deps)).catalog, version, deps.ledger.clock());
}

/** What each feature costs the account now, and the late-event cutoff: usage older than it when it arrives is never billed. */
export async function accountRateCard(deps: PricingServiceDeps, accountId: string) {
  const { catalog, settings } = await consumptionDepsFor(deps);
  const now = deps.ledger.clock();
  const card = rateCard(catalog, await loadAccount(deps.ledger.db, accountId), now);
  const acceptedFrom = new Date(now.getTime() - settings.lateEventWindowDays * 86_400_000).toISOString();
  return { ...card, lateEvents: { windowDays: settings.lateEventWindowDays, acceptedFrom } };
}

/**
 * Stores a negotiated rate. The feature must be priced for this account when
 * the contract starts (an unknown feature or a window the rules do not cover
 * is a 400 naming the field); windows of one feature never overlap (409).
 */
export async function createPriceOverride(deps: PricingServiceDeps, accountId: string, input: OverrideInput, actor: string) {
  const { catalog } = await consumptionDepsFor(deps);
  const account = await loadAccount(deps.ledger.db, accountId);
  if (input.effectiveTo && input.effectiveTo <= input.effectiveFrom) {
    throw new ValidationError('Invalid window', [{ path: 'effectiveTo', message: 'must be after effectiveFrom' }]);
  }
  resolveRule(catalog, { ...account, overrides: [] }, input.feature, input.effectiveFrom);
  return insertOverride(deps.ledger.db, accountId, input, { actor, now: deps.ledger.clock() });
}

export async function listPriceOverrides(deps: PricingServiceDeps, accountId: string) {
  await requireAccount(deps.ledger.db, accountId);
  return listOverrides(deps.ledger.db, accountId, deps.ledger.clock());
}

export function getPriceOverride(deps: PricingServiceDeps, accountId: string, overrideId: string) {
  return findOverride(deps.ledger.db, accountId, overrideId, deps.ledger.clock());
}

export function endPriceOverride(deps: PricingServiceDeps, accountId: string, overrideId: string, actor: string) {
  return endOverride(deps.ledger.db, accountId, overrideId, { actor, now: deps.ledger.clock() });
}
