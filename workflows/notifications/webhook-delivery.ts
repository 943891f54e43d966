import { proxyActivities, sleep } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications.js';
import { webhookAttemptActivity } from '../presets.js';
import type { DeliveryRetryPolicy, WebhookDeliveryInput } from '../../src/contracts/notifications.js';

const { attemptWebhookDelivery, deadLetterWebhookDelivery } = proxyActivities<NotificationActivities>(webhookAttemptActivity);

/** A deterministic fraction in [0, 1) from the delivery id and attempt, for jitter that replays identically. */
export function jitterFraction(seed: string, attempt: number): number {
  let hash = 2166136261;
  for (const ch of `${seed}:${attempt}`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) / 4294967296;
}

/**
 * Delay before retry `failures` + 1: exponential (initial × 2^(failures−1)),
 * capped, with "equal jitter" (half fixed, half random) so that deliveries
 * failing together do not retry together.
 */
export function backoffMs(policy: DeliveryRetryPolicy, failures: number, seed: string): number {
  const exponential = Math.min(policy.maxIntervalMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exponential / 2 + (exponential / 2) * jitterFraction(seed, failures));
}

/**
 * At-least-once delivery of one event to one endpoint: attempts with backoff
 * and jitter until it succeeds or the policy's max age (about 3 days) would be
 * exceeded, then the dead-letter list. While the endpoint's circuit breaker is
 * open it waits without calling (so a dead endpoint costs no worker time).
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<'delivered' | 'gone' | 'dead_lettered'> {
  const startedAt = Date.now();
  let failures = 0;
  for (;;) {
    const result = await attemptWebhookDelivery(input.deliveryId);
    if (result.outcome === 'delivered' || result.outcome === 'gone') return result.outcome === 'delivered' ? 'delivered' : 'gone';
    let delay: number;
    if (result.outcome === 'circuit_open') {
      delay = result.retryInMs + Math.round(1000 * jitterFraction(input.deliveryId, -failures));
    } else {
      failures += 1;
      delay = backoffMs(input.retry, failures, input.deliveryId);
    }
    if (Date.now() + delay - startedAt > input.retry.maxAgeMs) {
      await deadLetterWebhookDelivery(input.deliveryId);
      return 'dead_lettered';
    }
    await sleep(delay);
  }
}
