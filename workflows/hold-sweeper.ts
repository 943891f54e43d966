import { proxyActivities } from '@temporalio/workflow';
import type { LedgerActivities } from '../activities/ledger.js';
import { sweepActivity } from './presets.js';

const { sweepExpiredHolds } = proxyActivities<LedgerActivities>(sweepActivity);

export const HOLD_SWEEP_BATCH = 500;

/**
 * Releases holds past their TTL. Started by the hold-sweeper Schedule; sweeps
 * in batches until a batch comes back short, so a backlog drains in one run.
 */
export async function holdSweeperWorkflow(): Promise<{ released: number }> {
  let released = 0;
  for (let batch = 0; batch < 100; batch++) {
    const count = await sweepExpiredHolds(HOLD_SWEEP_BATCH);
    released += count;
    if (count < HOLD_SWEEP_BATCH) break;
  }
  return { released };
}
