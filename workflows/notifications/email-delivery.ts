import { proxyActivities, sleep } from '@temporalio/workflow';
import type { EmailActivities } from '../../activities/email.js';
import type { EmailDeliveryInput } from '../../src/contracts/notifications.js';
import { webhookAttemptActivity } from '../presets.js';
import { backoffMs } from './webhook-delivery.js';

const { attemptEmail, deadLetterEmail } = proxyActivities<EmailActivities>(webhookAttemptActivity);

/**
 * One customer mail (issue 19), delivered the way webhooks are: attempts with
 * exponential backoff and jitter until the SMTP server accepts it, refuses it
 * for good (5xx), or the policy's max age would be exceeded (then it is given
 * up, status failed). The workflow id is the delivery's, so a mail has one
 * sender at a time.
 */
export async function emailDeliveryWorkflow(input: EmailDeliveryInput): Promise<'sent' | 'gone' | 'rejected' | 'dead_lettered'> {
  const startedAt = Date.now();
  let failures = 0;
  for (;;) {
    const result = await attemptEmail(input.deliveryId);
    if (result.outcome !== 'failed') return result.outcome;
    failures += 1;
    const delay = backoffMs(input.retry, failures, input.deliveryId);
    if (Date.now() + delay - startedAt > input.retry.maxAgeMs) {
      await deadLetterEmail(input.deliveryId);
      return 'dead_lettered';
    }
    await sleep(delay);
  }
}
