import type { AuditActivityDeps } from '../../activities/audit.js';
import { ledgerAnchorWorkflow } from '../../workflows/audit/anchor.js';
import { anchorKeyOf } from '../auth/secret-box.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import type { ScheduleSpec } from '../runtime/schedules.js';

export const LEDGER_ANCHOR_SCHEDULE_ID = 'burndown-ledger-anchor';

export const ledgerAnchorSchedule = (everySeconds: number): ScheduleSpec => ({
  scheduleId: LEDGER_ANCHOR_SCHEDULE_ID,
  workflow: ledgerAnchorWorkflow,
  everySeconds,
});

/** Audit, wired: the ledger-anchor Schedule and what its activity needs (the key comes from the configuration only). */
export function createAuditModule(core: Core) {
  const { config } = core;
  return {
    schedules: [ledgerAnchorSchedule(config.LEDGER_ANCHOR_INTERVAL_SECONDS)],
    activities: (): AuditActivityDeps => ({ db: core.db, clock: core.clock, anchorKey: anchorKeyOf(config) }),
  } satisfies AreaModule<never, AuditActivityDeps>;
}
