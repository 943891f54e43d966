import { ApplicationFailure } from '@temporalio/common';
import { CrmRateLimitedError, CrmRejectedError } from '../src/crm/gateway.js';
import { listLinkedAccounts, reconcileAccounts, type ReconcileCounts } from '../src/crm/reconcile.js';
import { syncAccount, type CrmSyncDeps, type SyncResult } from '../src/crm/sync.js';
import { ConflictError } from '../src/errors.js';

/**
 * HubSpot failures for Temporal: 429 is retried after exactly the Retry-After
 * the server sent (nextRetryDelay overrides the preset's backoff), 5xx and
 * network errors are rethrown for the preset's backoff, anything else (4xx,
 * a company already linked elsewhere) is non-retryable.
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
    if (error instanceof CrmRejectedError || error instanceof ConflictError) {
      throw ApplicationFailure.nonRetryable(error.message, 'CrmRejected');
    }
    throw error;
  }
}

function required(deps: { crm?: CrmSyncDeps | undefined }): CrmSyncDeps {
  if (!deps.crm)
    throw ApplicationFailure.nonRetryable('CRM activities need ActivityDeps.crm (set HUBSPOT_ACCESS_TOKEN)', 'CrmNotConfigured');
  return deps.crm;
}

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
