import { attemptEmailDelivery, deadLetterEmail, type EmailAttemptOutcome } from '../src/email/delivery.js';
import { externalCall } from '../src/observability/spans.js';
import { configured } from './failures.js';
import type { NotificationDeps } from './notifications.js';

const required = (deps: { notifications?: NotificationDeps | undefined }) => {
  const n = configured(deps.notifications, 'notifications');
  return { ...n, email: configured(n.email, 'notifications.email') };
};

/** Attempts of customer mails (src/email/delivery.ts); the relay queues and starts them. */
export function createEmailActivities(deps: { notifications?: NotificationDeps | undefined }) {
  return {
    async attemptEmail(deliveryId: string): Promise<EmailAttemptOutcome> {
      const n = required(deps);
      return externalCall('smtp', 'send', () => attemptEmailDelivery(n.db, n.email.sender, deliveryId, n.clock), {
        'burndown.email_delivery_id': deliveryId,
      });
    },

    async deadLetterEmail(deliveryId: string): Promise<void> {
      const n = required(deps);
      await deadLetterEmail(n.db, deliveryId, n.clock());
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
