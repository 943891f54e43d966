import { ApplicationFailure } from '@temporalio/common';
import { CrmRateLimitedError, CrmRejectedError } from '../src/crm/gateway.js';
import { listLinkedAccounts, reconcileAccounts, type ReconcileCounts } from '../src/crm/reconcile.js';
import { syncAccount, type CrmSyncDeps, type SyncResult } from '../src/crm/sync.js';
import { configured, toActivityFailure } from './failures.js';

/**
 * HubSpot failures for Temporal: 429 is retried after exactly the Retry-After
 * the server sent (nextRetryDelay overrides the preset's backoff), 5xx and
 * network errors are rethrown for the preset's backoff, a 4xx is
 * non-retryable, and so is a domain error (a company already linked
 * elsewhere: toActivityFailure).
 */
async function forTemporal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CrmRateLimitedError) {
      throw ApplicationFailure.create({
        type: 'CrmRateLimited',
        message: error.message,
        nextRetryDelay: `${error.retryAfterSeconds} seconds`,
      });
    }
    if (error instanceof CrmRejectedError) throw ApplicationFailure.nonRetryable(error.message, 'CrmRejected');
    return toActivityFailure(error);
  }
}

const required = (deps: { crm?: CrmSyncDeps | undefined }) => configured(deps.crm, 'crm', 'set HUBSPOT_ACCESS_TOKEN');

export function createCrmActivities(deps: { crm?: CrmSyncDeps | undefined }) {
  return {
    async syncAccountToCrm(accountId: string): Promise<SyncResult> {
      const crm = required(deps);
      return forTemporal(() => syncAccount(crm, accountId));
    },
    async listCrmLinkedAccounts(after: string | null, limit: number): Promise<string[]> {
      return listLinkedAccounts(required(deps), after, limit);
    },
    async reconcileCrmAccounts(accountIds: string[]): Promise<ReconcileCounts> {
      const crm = required(deps);
      return forTemporal(() => reconcileAccounts(crm, accountIds));
    },
  };
}

export type CrmActivities = ReturnType<typeof createCrmActivities>;
