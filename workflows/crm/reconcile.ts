import { log, proxyActivities } from '@temporalio/workflow';
import type { CrmActivities } from '../../activities/crm.js';
import { hubspotActivity, sweepActivity } from '../presets.js';

const { reconcileCrmAccounts } = proxyActivities<CrmActivities>(hubspotActivity);
const { listCrmLinkedAccounts } = proxyActivities<CrmActivities>(sweepActivity);

export const RECONCILE_PAGE = 100;

/**
 * Nightly (Temporal Schedule): every linked account, a page at a time,
 * compared with HubSpot and repaired where it drifted. Returns and logs the
 * counts.
 */
export async function crmReconcileWorkflow(): Promise<{ checked: number; inSync: number; repaired: number; failed: number }> {
  const total = { checked: 0, inSync: 0, repaired: 0, failed: 0 };
  let after: string | null = null;
  for (;;) {
    const page: string[] = await listCrmLinkedAccounts(after, RECONCILE_PAGE);
    if (page.length === 0) break;
    const counts = await reconcileCrmAccounts(page);
    total.checked += counts.checked;
    total.inSync += counts.inSync;
    total.repaired += counts.repaired;
    total.failed += counts.failed;
    after = page[page.length - 1]!;
    if (page.length < RECONCILE_PAGE) break;
  }
  log.info('HubSpot reconciliation finished', total);
  return total;
}
