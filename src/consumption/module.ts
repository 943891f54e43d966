import { meteringWorkflow } from '../../workflows/consumption/metering.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import { consumptionDepsFor, type ConsumptionDeps } from './settings.js';

export const METERING_SCHEDULE_ID = 'burndown-metering';

/** Consumption, wired: the saga's and metering's dependencies, and the metering Schedule that burns pending usage events. */
export function createConsumptionModule(core: Core) {
  const { config } = core;
  return {
    schedules: [{ scheduleId: METERING_SCHEDULE_ID, workflow: meteringWorkflow, everySeconds: config.METERING_INTERVAL_SECONDS }],
    activities: (ledger: LedgerDeps) => consumptionDepsFor({ config, ledger, enforcement: core.enforcement }),
  } satisfies AreaModule<never, ConsumptionDeps>;
}
