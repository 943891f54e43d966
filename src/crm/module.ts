import { crmReconcileWorkflow } from '../../workflows/crm/reconcile.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import { createHubSpotGateway } from './hubspot-gateway.js';
import type { CrmSyncDeps } from './sync.js';

export const CRM_RECONCILE_SCHEDULE_ID = 'burndown-crm-reconcile';

/**
 * HubSpot, wired when HUBSPOT_ACCESS_TOKEN is set (otherwise no sync and no
 * Schedule): the sync activities' dependencies (upsell signals from CRM_UPSELL_*) (the client is built here,
 * never at import) and the nightly reconciliation Schedule.
 */
export function createCrmModule(core: Core) {
  const { config } = core;
  const accessToken = config.HUBSPOT_ACCESS_TOKEN;
  return {
    schedules: accessToken
      ? [{ scheduleId: CRM_RECONCILE_SCHEDULE_ID, workflow: crmReconcileWorkflow, cron: config.CRM_RECONCILE_CRON }]
      : [],
    activities: (): CrmSyncDeps | undefined =>
      accessToken
        ? {
            db: core.db,
            clock: core.clock,
            gateway: createHubSpotGateway({ accessToken, basePath: config.HUBSPOT_BASE_URL }),
            upsell: {
              action: config.CRM_UPSELL_ACTION,
              depletionDays: config.CRM_UPSELL_DEPLETION_DAYS,
              burnGrowthPercent: config.CRM_UPSELL_BURN_GROWTH_PERCENT,
              period: config.CRM_UPSELL_PERIOD,
              deal: { pipeline: config.CRM_UPSELL_DEAL_PIPELINE, stage: config.CRM_UPSELL_DEAL_STAGE },
            },
          }
        : undefined,
  } satisfies AreaModule<never, CrmSyncDeps | undefined>;
}
