import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Something about the account changed (a burn, a grant, a recharge failure): sync it to HubSpot after the debounce window. */
export const crmAccountChangedSignal = defineSignal<[]>('crmAccountChanged');

/** How many HubSpot updates this run of the account's sync workflow has made. */
export const crmSyncCountQuery = defineQuery<number>('crmSyncCount');

export interface CrmAccountSyncInput {
  accountId: string;
  debounceSeconds: number;
  /** How long the workflow waits idle for the next change before it ends (a new signal starts a new run). */
  idleSeconds?: number | undefined;
}

export const crmAccountSyncWorkflowId = (accountId: string) => `crm-sync-${accountId}`;
