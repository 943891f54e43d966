import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { EnforcementMode } from '../settings/enforcement.js';
import type { LiveEnforcement } from '../settings/live-enforcement.js';
import { pricingCatalogFor, type PricingCatalog } from './pricing/catalog.js';
import { ensurePricingRegistered } from './pricing/registry.js';

export type { EnforcementMode } from '../settings/enforcement.js';

/** The consumption settings, passed explicitly (tests build their own). */
export interface ConsumptionSettings {
  enforcementMode: EnforcementMode;
  enforcementRolloutPercent: number;
  ledgerUnavailablePolicy: 'fail_open' | 'fail_closed';
  lateEventWindowDays: number;
}

/** The enforcement settings read at each use from the process's live copy (R-O2: no restart); the rest from config. */
export function consumptionSettings(config: Config, enforcement: LiveEnforcement): ConsumptionSettings {
  return {
    get enforcementMode() {
      return enforcement.current().mode;
    },
    get enforcementRolloutPercent() {
      return enforcement.current().rolloutPercent;
    },
    get ledgerUnavailablePolicy() {
      return enforcement.current().ledgerUnavailablePolicy;
    },
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
 * released version too), and the settings (enforcement: the process's live copy).
 */
export async function consumptionDepsFor(deps: {
  config: Config;
  ledger: LedgerDeps;
  enforcement: LiveEnforcement;
}): Promise<ConsumptionDeps> {
  const catalog = await pricingCatalogFor(deps.config.PRICING_DIR);
  await ensurePricingRegistered(deps.ledger.db, catalog);
  return { ledger: deps.ledger, catalog, settings: consumptionSettings(deps.config, deps.enforcement) };
}
