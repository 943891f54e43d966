import type { Client } from '@temporalio/client';
import type { Database } from '../src/db/database.js';
import { attemptDelivery, deadLetterDelivery, type AttemptOutcome, type DeliverySettings } from '../src/notifications/delivery.js';
import { dispatchOutboxBatch } from '../src/notifications/relay.js';
import { signalPendingCrmSyncs, startPendingDeliveries } from '../src/notifications/relay-fanout.js';
import { signalMarkedGrantTimers } from '../src/grants/timers.js';
import { webhookDeadLettered, webhookDeliveryFailures } from '../src/observability/metrics.js';
import { externalCall } from '../src/observability/spans.js';
import type { DeliveryRetryPolicy } from '../src/contracts/notifications.js';
import { configured } from './failures.js';
import { startPendingEmails } from '../src/email/fanout.js';
import type { MailSender } from '../src/email/transport.js';

/** What the outbox relay and webhook deliveries need; built by the notifications module (tests pass their own). */
export interface NotificationDeps {
  db: Database;
  /** Wall clock for attempt times and the breaker (not the ledger's test clock). */
  clock: () => Date;
  temporal: Client;
  taskQueue: string;
  relayGraceSeconds: number;
  delivery: DeliverySettings;
  retry: DeliveryRetryPolicy;
  /** How long before a grant's expiry its timer writes `grant.expiring` (for timers the relay starts again). */
  expiringNoticeMs: number;
  /** Set when HubSpot is configured: accounts marked as changed get their sync workflow signalled. */
  crmSync?: { debounceSeconds: number; idleSeconds?: number | undefined } | undefined;
  /** Set where customer mails are sent (the worker): queued mails get their delivery workflow started. */
  email?: { sender: MailSender } | undefined;
}

const required = (deps: { notifications?: NotificationDeps | undefined }) => configured(deps.notifications, 'notifications');

export interface RelayRunResult {
  dispatched: number;
  deliveriesCreated: number;
  deliveriesStarted: number;
  crmSignalled: number;
  /** Absent from results recorded before grant timers were relayed. */
  grantTimersSignalled?: number;
  /** Absent from results recorded before customer email. */
  emailsQueued?: number;
  emailsStarted?: number;
}

export function createNotificationActivities(deps: { notifications?: NotificationDeps | undefined }) {
  return {
    /** One relay step: fan out a batch of outbox events, then start what is due and tell grant timers what changed. */
    async relayOutbox(batch: number): Promise<RelayRunResult> {
      const n = required(deps);
      const dispatch = await dispatchOutboxBatch(n.db, { limit: batch, graceSeconds: n.relayGraceSeconds });
      const deliveriesStarted = await startPendingDeliveries(n, batch);
      const crmSignalled = n.crmSync === undefined ? 0 : await signalPendingCrmSyncs({ ...n, crmSync: n.crmSync }, batch);
      const grantTimersSignalled = await signalMarkedGrantTimers(n, batch);
      const emailsStarted = n.email === undefined ? 0 : await startPendingEmails(n, batch);
      return {
        dispatched: dispatch.dispatched,
        deliveriesCreated: dispatch.deliveriesCreated,
        deliveriesStarted,
        crmSignalled,
        grantTimersSignalled,
        emailsQueued: dispatch.emailsQueued,
        emailsStarted,
      };
    },

    async attemptWebhookDelivery(deliveryId: string): Promise<AttemptOutcome> {
      const n = required(deps);
      const outcome = await externalCall('webhook', 'deliver', () => attemptDelivery(n.db, deliveryId, n.clock, n.delivery), {
        'burndown.webhook_delivery_id': deliveryId,
      });
      if (outcome.outcome === 'failed') webhookDeliveryFailures.inc();
      return outcome;
    },

    async deadLetterWebhookDelivery(deliveryId: string): Promise<void> {
      const n = required(deps);
      await deadLetterDelivery(n.db, deliveryId, n.clock());
      webhookDeadLettered.inc();
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
