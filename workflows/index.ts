/** Every workflow the Burndown worker runs. The bundler starts here. */
export { holdSweeperWorkflow } from './hold-sweeper.js';
export { ledgerAnchorWorkflow } from './audit/anchor.js';
export { dataRetentionWorkflow } from './audit/data-retention.js';
export * from './disputes/index.js';
export * from './finance/index.js';
export * from './grants/index.js';
export * from './imports/index.js';
export { outboxRelayLoopWorkflow, outboxRelayWorkflow } from './notifications/outbox-relay.js';
export { webhookDeliveryWorkflow } from './notifications/webhook-delivery.js';
export { emailDeliveryWorkflow } from './notifications/email-delivery.js';
export * from './consumption/index.js';
export * from './payments/index.js';
export * from './pricing/index.js';
export { crmAccountSyncWorkflow } from './crm/account-sync.js';
export { crmReconcileWorkflow } from './crm/reconcile.js';
