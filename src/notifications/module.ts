import type { NotificationDeps } from '../../activities/notifications.js';
import { outboxRelayLoopWorkflow } from '../../workflows/notifications/outbox-relay.js';
import { LOOP_MAX_PASSES, outboxRelayLoopId } from '../contracts/index.js';
import type { Core } from '../runtime/core.js';
import type { LoopSpec } from '../runtime/loops.js';
import type { AreaModule } from '../runtime/module.js';
import type { ScheduleSpec } from '../runtime/schedules.js';
import { secretsKeyOf } from '../auth/secret-box.js';
import { createBalanceAlertObserver } from './balance-alerts.js';
import { startOutboxWaker } from './outbox-waker.js';
import { webhookTargetPolicy } from './service.js';
import { createMailSender } from '../email/transport.js';

/** The Schedule that started one relay run every OUTBOX_RELAY_INTERVAL_SECONDS before the loop; deleted at worker start. */
export const OUTBOX_RELAY_SCHEDULE_ID = 'burndown-outbox-relay';

/**
 * Notifications, wired: the balance alert observer (balance.low and
 * balance.depleted written with the burn), the outbox relay loop and the
 * worker's LISTEN that wakes it, and what the relay, webhook delivery and
 * customer email activities need.
 */
export function createNotificationsModule(core: Core) {
  const { config } = core;
  const relayLoop: LoopSpec = {
    workflowId: outboxRelayLoopId(config.TEMPORAL_TASK_QUEUE),
    workflow: outboxRelayLoopWorkflow,
    settings: { intervalSeconds: config.OUTBOX_RELAY_INTERVAL_SECONDS, maxPasses: LOOP_MAX_PASSES },
    replacesSchedule: OUTBOX_RELAY_SCHEDULE_ID,
  };
  // Customer mails (issue 19): SMTP, or the sandbox folder; said once at worker start, never with the password.
  const mailSender = () => {
    const sender = createMailSender(config);
    core.logger.info({ email: sender.describe }, 'customer email goes to %s', sender.describe);
    return sender;
  };
  return {
    observers: [
      createBalanceAlertObserver({ lowThreshold: config.LOW_BALANCE_DEFAULT_THRESHOLD, rearmPercent: config.LOW_BALANCE_REARM_PERCENT }),
    ],
    schedules: [] as ScheduleSpec[],
    loops: [relayLoop],
    /** The worker's LISTEN that wakes the relay loop whenever outbox events commit. */
    worker: () => startOutboxWaker(core, relayLoop),
    activities: (): NotificationDeps => ({
      email: { sender: mailSender() },
      db: core.db,
      clock: core.clock,
      temporal: core.temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      relayGraceSeconds: config.OUTBOX_RELAY_GAP_GRACE_SECONDS,
      expiringNoticeMs: config.GRANT_EXPIRING_NOTICE_DAYS * 86_400_000,
      delivery: {
        timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
        breakerFailures: config.WEBHOOK_BREAKER_FAILURES,
        breakerCooldownMs: config.WEBHOOK_BREAKER_COOLDOWN_SECONDS * 1000,
        target: webhookTargetPolicy(config),
        secretsKey: secretsKeyOf(config),
      },
      retry: {
        initialMs: config.WEBHOOK_RETRY_INITIAL_SECONDS * 1000,
        maxIntervalMs: config.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS * 1000,
        maxAgeMs: config.WEBHOOK_RETRY_MAX_AGE_SECONDS * 1000,
      },
      crmSync: config.HUBSPOT_ACCESS_TOKEN ? { debounceSeconds: config.CRM_SYNC_DEBOUNCE_SECONDS } : undefined,
    }),
  } satisfies AreaModule<never, NotificationDeps>;
}
