/**
 * Plain names and shapes shared by the notification and CRM workflows and the
 * activities/API that start or signal them. No imports, so activities can use
 * these without pulling in @temporalio/workflow.
 */
export const WORKFLOW_TYPES = {
  outboxRelay: 'outboxRelayWorkflow',
  webhookDelivery: 'webhookDeliveryWorkflow',
  crmAccountSync: 'crmAccountSyncWorkflow',
  crmReconcile: 'crmReconcileWorkflow',
} as const;

export const CRM_ACCOUNT_CHANGED_SIGNAL = 'crmAccountChanged';

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

export interface CrmAccountSyncInput {
  accountId: string;
  debounceSeconds: number;
  /** How long the workflow waits idle for the next change before it ends (a new signal starts a new run). */
  idleSeconds?: number | undefined;
}

export const webhookDeliveryWorkflowId = (deliveryId: string, replays: number) =>
  replays === 0 ? `webhook-delivery-${deliveryId}` : `webhook-delivery-${deliveryId}-replay-${replays}`;
export const crmAccountSyncWorkflowId = (accountId: string) => `crm-sync-${accountId}`;
