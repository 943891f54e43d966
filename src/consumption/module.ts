import { meteringLoopWorkflow } from '../../workflows/consumption/metering.js';
import { LOOP_MAX_PASSES, meteringLoopId } from '../contracts/index.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Core } from '../runtime/core.js';
import { createWaker, wakeLoop, type LoopSpec, type Waker } from '../runtime/loops.js';
import type { AreaModule } from '../runtime/module.js';
import type { ScheduleSpec } from '../runtime/schedules.js';
import { consumptionDepsFor, type ConsumptionDeps } from './settings.js';

/** The Schedule that started one metering run every METERING_INTERVAL_SECONDS before the loop; deleted at worker start. */
export const METERING_SCHEDULE_ID = 'burndown-metering';

/**
 * Consumption, wired: the saga's and metering's dependencies, the metering
 * loop that burns pending usage events, and the API's coalesced wake-up of it
 * when usage events are accepted.
 */
export function createConsumptionModule(core: Core) {
  const { config } = core;
  const meteringLoop: LoopSpec = {
    workflowId: meteringLoopId(config.TEMPORAL_TASK_QUEUE),
    workflow: meteringLoopWorkflow,
    settings: { intervalSeconds: config.METERING_INTERVAL_SECONDS, maxPasses: LOOP_MAX_PASSES },
    replacesSchedule: METERING_SCHEDULE_ID,
  };
  return {
    schedules: [] as ScheduleSpec[],
    loops: [meteringLoop],
    activities: (ledger: LedgerDeps) => consumptionDepsFor({ config, ledger, enforcement: core.enforcement }),
    /** The API process's wake-up of the metering loop, coalesced (one per process). */
    api: () =>
      Promise.resolve({
        wakeMetering: createWaker(() => wakeLoop(core.temporal, config.TEMPORAL_TASK_QUEUE, meteringLoop), {
          logger: core.logger,
          what: 'metering',
        }),
      }),
  } satisfies AreaModule<{ wakeMetering: Waker }, ConsumptionDeps>;
}
