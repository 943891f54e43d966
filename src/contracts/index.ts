/**
 * The contracts between Burndown's workflows and the code that starts,
 * signals, queries and updates them: typed message definitions, workflow
 * inputs and results, and workflow ids, one file per area. Workflows
 * (workflows/) and services (src/) import the same objects from here.
 *
 * Code here is replayed inside workflows, so it is deterministic: lint holds
 * it to the workflow rules (no I/O, no Node built-ins, nothing from src/
 * but types).
 */
import type * as workflows from '../../workflows/index.js';

export * from './consumption.js';
export * from './crm.js';
export * from './disputes.js';
export * from './finance.js';
export * from './grants.js';
export * from './imports.js';
export * from './loops.js';
export * from './notifications.js';
export * from './payments.js';
export * from './pricing.js';

/**
 * Workflow type names, for clients that start Burndown's workflows without
 * its code (tests, other services). Burndown itself starts workflows by
 * function; the check below keeps every name equal to a real workflow.
 */
export const WORKFLOW_TYPES = {
  outboxRelay: 'outboxRelayWorkflow',
  webhookDelivery: 'webhookDeliveryWorkflow',
  emailDelivery: 'emailDeliveryWorkflow',
  crmAccountSync: 'crmAccountSyncWorkflow',
  crmReconcile: 'crmReconcileWorkflow',
} as const satisfies Record<string, keyof typeof workflows>;
