import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { PricingCatalog } from './pricing/catalog.js';

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
