import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { NotificationDeps } from '../../activities/notifications.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { LedgerObserver } from '../ledger/index.js';
import { WORKFLOW_TYPES } from '../contracts/index.js';
import { createBalanceAlertObserver } from './balance-alerts.js';

export const OUTBOX_RELAY_SCHEDULE_ID = 'burndown-outbox-relay';

/** The ledger observers of this area (registered in openCore). */
export function notificationObservers(config: Config): LedgerObserver[] {
  return [
    createBalanceAlertObserver({ lowThreshold: config.LOW_BALANCE_DEFAULT_THRESHOLD, rearmPercent: config.LOW_BALANCE_REARM_PERCENT }),
  ];
}

/** The worker's notification dependencies, from configuration. */
export function notificationDepsFor(config: Config, db: Database, temporal: Client): NotificationDeps {
  return {
    db,
    clock: () => new Date(),
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    relayGraceSeconds: config.OUTBOX_RELAY_GAP_GRACE_SECONDS,
    expiringNoticeMs: config.GRANT_EXPIRING_NOTICE_DAYS * 86_400_000,
    delivery: {
      timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
      breakerFailures: config.WEBHOOK_BREAKER_FAILURES,
      breakerCooldownMs: config.WEBHOOK_BREAKER_COOLDOWN_SECONDS * 1000,
    },
    retry: {
      initialMs: config.WEBHOOK_RETRY_INITIAL_SECONDS * 1000,
      maxIntervalMs: config.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS * 1000,
      maxAgeMs: config.WEBHOOK_RETRY_MAX_AGE_SECONDS * 1000,
    },
    crmSync: config.HUBSPOT_ACCESS_TOKEN ? { debounceSeconds: config.CRM_SYNC_DEBOUNCE_SECONDS } : undefined,
  };
}

/** The outbox relay Schedule (overlap: skip, so one relay runs at a time). Created when missing. */
export async function ensureOutboxRelaySchedule(client: Client, taskQueue: string, intervalSeconds: number): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: OUTBOX_RELAY_SCHEDULE_ID,
      spec: { intervals: [{ every: `${intervalSeconds} seconds` }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPES.outboxRelay, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
