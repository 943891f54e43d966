import { proxyActivities } from '@temporalio/workflow';
import type { ConsumptionActivities } from '../../activities/consumption.js';
import type { MeteringResult } from '../../src/consumption/usage-events/metering.js';
import { sweepActivity } from '../presets.js';

const { burnPendingUsageEvents } = proxyActivities<ConsumptionActivities>(sweepActivity);

export const METERING_BATCH = 500;

/**
 * Burns pending usage events in event-time order, batch after batch until a
 * batch comes back short (R-C4). Started by the metering Schedule; at most
 * 100 batches per run so one run stays small, the next run goes on.
 */
export async function meteringWorkflow(): Promise<MeteringResult> {
  const total: MeteringResult = { pendingSeen: 0, processed: 0, burned: 0, shadowed: 0, off: 0, awaitingFunds: 0, failed: 0 };
  for (let batch = 0; batch < 100; batch++) {
    const result = await burnPendingUsageEvents(METERING_BATCH);
    for (const key of Object.keys(total) as (keyof MeteringResult)[]) total[key] += result[key];
    if (result.pendingSeen < METERING_BATCH) break;
  }
  return total;
}
