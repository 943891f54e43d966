import type { AuditActivityDeps } from '../../activities/audit.js';
import { ledgerAnchorWorkflow } from '../../workflows/audit/anchor.js';
import { dataRetentionWorkflow } from '../../workflows/audit/data-retention.js';
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

export const DATA_RETENTION_SCHEDULE_ID = 'burndown-data-retention';

export const dataRetentionSchedule = (cron: string): ScheduleSpec => ({
  scheduleId: DATA_RETENTION_SCHEDULE_ID,
  workflow: dataRetentionWorkflow,
  cron,
});

/**
 * Audit, wired: the ledger-anchor and data-retention Schedules and what their
 * activities need (the anchor key comes from the configuration only).
 */
export function createAuditModule(core: Core) {
  const { config } = core;
  return {
    schedules: [ledgerAnchorSchedule(config.LEDGER_ANCHOR_INTERVAL_SECONDS), dataRetentionSchedule(config.DATA_RETENTION_CRON)],
    activities: (): AuditActivityDeps => ({
      db: core.db,
      clock: core.clock,
      anchorKey: anchorKeyOf(config),
      retention: {
        usagePropertiesDays: config.DATA_RETENTION_USAGE_PROPERTIES_DAYS,
        eventsDays: config.DATA_RETENTION_EVENTS_DAYS,
        auditIpDays: config.DATA_RETENTION_AUDIT_IP_DAYS,
      },
    }),
  } satisfies AreaModule<never, AuditActivityDeps>;
}
