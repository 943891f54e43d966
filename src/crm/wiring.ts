import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { WORKFLOW_TYPES } from '../contracts/index.js';
import { createHubSpotGateway } from './hubspot-gateway.js';
import type { CrmSyncDeps } from './sync.js';

export const CRM_RECONCILE_SCHEDULE_ID = 'burndown-crm-reconcile';

/** The worker's CRM dependencies; undefined (no sync) without HUBSPOT_ACCESS_TOKEN. The client is built here, never at import. */
export function crmDepsFor(config: Config, db: Database): CrmSyncDeps | undefined {
  if (!config.HUBSPOT_ACCESS_TOKEN) return undefined;
  return {
    db,
    clock: () => new Date(),
    gateway: createHubSpotGateway({ accessToken: config.HUBSPOT_ACCESS_TOKEN, basePath: config.HUBSPOT_BASE_URL }),
  };
}

/** The nightly reconciliation Schedule, when HubSpot is configured. Created when missing. */
export async function ensureCrmReconcileSchedule(client: Client, config: Config): Promise<void> {
  if (!config.HUBSPOT_ACCESS_TOKEN) return;
  try {
    await client.schedule.create({
      scheduleId: CRM_RECONCILE_SCHEDULE_ID,
      spec: { cronExpressions: [config.CRM_RECONCILE_CRON] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPES.crmReconcile, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
