import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import { pricingCatalogFor, type PricingCatalog } from './pricing/catalog.js';
import { ensurePricingRegistered } from './pricing/registry.js';

export type EnforcementMode = 'enforce' | 'shadow' | 'off';

/** The consumption settings from config, passed explicitly (tests build their own). */
export interface ConsumptionSettings {
  enforcementMode: EnforcementMode;
  enforcementRolloutPercent: number;
  ledgerUnavailablePolicy: 'fail_open' | 'fail_closed';
  lateEventWindowDays: number;
}

export function consumptionSettings(config: Config): ConsumptionSettings {
  return {
    enforcementMode: config.ENFORCEMENT_MODE,
    enforcementRolloutPercent: config.ENFORCEMENT_ROLLOUT_PERCENT,
    ledgerUnavailablePolicy: config.LEDGER_UNAVAILABLE_POLICY,
    lateEventWindowDays: config.LATE_EVENT_WINDOW_DAYS,
  };
}

/** What consumption and metering code needs: the ledger, the pricing rules and the settings. */
export interface ConsumptionDeps {
  ledger: LedgerDeps;
  catalog: PricingCatalog;
  settings: ConsumptionSettings;
}

/**
 * The consumption dependencies of a process (the worker's activities, the
 * API's routes): pricing rules loaded and validated from PRICING_DIR once per
 * folder (a bad file stops start-up naming file, path and problem; a changed
 * released version too), and the settings from config.
 */
export async function consumptionDepsFor(deps: { config: Config; ledger: LedgerDeps }): Promise<ConsumptionDeps> {
  const catalog = await pricingCatalogFor(deps.config.PRICING_DIR);
  await ensurePricingRegistered(deps.ledger.db, catalog);
  return { ledger: deps.ledger, catalog, settings: consumptionSettings(deps.config) };
}
