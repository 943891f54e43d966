import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import { pricingCatalogFor } from './pricing/catalog.js';
import { ensurePricingRegistered } from './pricing/registry.js';
import { consumptionSettings, type ConsumptionDeps } from './settings.js';

/**
 * The consumption dependencies of a process: pricing rules loaded and
 * validated from PRICING_DIR (a bad file stops start-up naming file, path and
 * problem; a changed released version too), and the settings from config.
 */
export async function consumptionDepsFor(core: { config: Config; ledger: LedgerDeps }): Promise<ConsumptionDeps> {
  const catalog = await pricingCatalogFor(core.config.PRICING_DIR);
  await ensurePricingRegistered(core.ledger.db, catalog);
  return { ledger: core.ledger, catalog, settings: consumptionSettings(core.config) };
}
