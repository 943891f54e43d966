import { defineQuery, defineSignal } from '@temporalio/workflow';
import { CRM_ACCOUNT_CHANGED_SIGNAL } from '../notifications/types.js';

/** Something about the account changed (a burn, a grant, a recharge failure): sync it to HubSpot after the debounce window. */
export const crmAccountChangedSignal = defineSignal<[]>(CRM_ACCOUNT_CHANGED_SIGNAL);

/** How many HubSpot updates this run of the account's sync workflow has made. */
export const crmSyncCountQuery = defineQuery<number>('crmSyncCount');

export type { CrmAccountSyncInput, DeliveryRetryPolicy, WebhookDeliveryInput } from '../notifications/types.js';
