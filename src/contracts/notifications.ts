/** Retry schedule of one webhook delivery: exponential backoff with jitter until maxAgeMs. */
export interface DeliveryRetryPolicy {
  initialMs: number;
  maxIntervalMs: number;
  maxAgeMs: number;
}

export interface WebhookDeliveryInput {
  deliveryId: string;
  retry: DeliveryRetryPolicy;
}

export const webhookDeliveryWorkflowId = (deliveryId: string, replays: number) =>
  replays === 0 ? `webhook-delivery-${deliveryId}` : `webhook-delivery-${deliveryId}-replay-${replays}`;

/** The outbox relay loop of a task queue: one per deployment, whatever the number of workers. */
export const outboxRelayLoopId = (taskQueue: string) => `${taskQueue}-outbox-relay`;

/** One customer mail (issue 19): attempts with the webhook retry schedule until sent, refused for good, or too old. */
export interface EmailDeliveryInput {
  deliveryId: string;
  retry: DeliveryRetryPolicy;
}

export const emailDeliveryWorkflowId = (deliveryId: string) => `email-delivery-${deliveryId}`;
