import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { CrmActivities } from '../../activities/crm.js';
import { crmAccountChangedSignal, crmSyncCountQuery } from '../../src/contracts/crm.js';
import type { CrmAccountSyncInput } from '../../src/contracts/crm.js';
import { hubspotActivity } from '../presets.js';

const { syncAccountToCrm } = proxyActivities<CrmActivities>(hubspotActivity);

const DEFAULT_IDLE_SECONDS = 3600;
const SYNCS_PER_RUN = 200;

/**
 * One per linked account (id crm-sync-<account>), signalled by the outbox
 * relay whenever the account changed. Debounce: after a change it waits the
 * window, then makes ONE HubSpot update with the values as they are then, so
 * a burst of any size costs one write per window. Changes during the wait or
 * the write are folded into the next round. Idle for an hour, it ends; the
 * next signal starts a new run.
 */
export async function crmAccountSyncWorkflow(input: CrmAccountSyncInput): Promise<{ syncs: number }> {
  let pending = false;
  let syncs = 0;
  setHandler(crmAccountChangedSignal, () => {
    pending = true;
  });
  setHandler(crmSyncCountQuery, () => syncs);
  while (syncs < SYNCS_PER_RUN) {
    await condition(() => pending, `${input.idleSeconds ?? DEFAULT_IDLE_SECONDS} seconds`);
    if (!pending) return { syncs };
    await sleep(`${input.debounceSeconds} seconds`);
    pending = false;
    try {
      await syncAccountToCrm(input.accountId);
      syncs += 1;
    } catch (error) {
      // Retries are exhausted or the request was rejected: say so and carry on
      // (nightly reconciliation repairs what this missed).
      log.error('HubSpot sync failed', { accountId: input.accountId, error: String(error) });
    }
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof crmAccountSyncWorkflow>({ ...input });
}
