import { grantExpirySweepWorkflow } from '../../workflows/grants/expiry.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';

export const GRANT_EXPIRY_SWEEP_SCHEDULE_ID = 'burndown-grant-expiry-sweep';

/**
 * Grants, wired: the expiry sweep Schedule, the safety net that expires
 * active grants past their expiry whose timer was never started or was lost.
 * Grant activities need only the ledger.
 */
export function createGrantsModule(core: Core) {
  return {
    schedules: [
      {
        scheduleId: GRANT_EXPIRY_SWEEP_SCHEDULE_ID,
        workflow: grantExpirySweepWorkflow,
        everySeconds: core.config.GRANT_EXPIRY_SWEEP_INTERVAL_SECONDS,
      },
    ],
  } satisfies AreaModule;
}
