import { proxyActivities } from '@temporalio/workflow';
import type { ConsumptionActivities } from '../../activities/consumption.js';
import type { LoopSettings } from '../../src/contracts/index.js';
import type { MeteringResult } from '../../src/consumption/usage-events/metering.js';
import { sweepActivity } from '../presets.js';
import { runWakeLoop } from '../wake-loop.js';

const { burnPendingUsageEvents } = proxyActivities<ConsumptionActivities>(sweepActivity);

export const METERING_BATCH = 500;

/**
 * One metering pass: burns pending usage events in event-time order, batch
 * after batch until a batch comes back short (R-C4); at most 100 batches, so
 * one pass stays bounded and the next goes on.
 */
async function meterUntilShort(): Promise<MeteringResult> {
  const total: MeteringResult = { pendingSeen: 0, processed: 0, burned: 0, shadowed: 0, off: 0, awaitingFunds: 0, failed: 0 };
  for (let batch = 0; batch < 100; batch++) {
    const result = await burnPendingUsageEvents(METERING_BATCH);
    for (const key of Object.keys(total) as (keyof MeteringResult)[]) total[key] += result[key];
    if (result.pendingSeen < METERING_BATCH) break;
  }
  return total;
}

/**
 * Metering (id meteringLoopId): a pass at once, then whenever the API accepts
 * usage events (it wakes the loop) or, failing that, every
 * METERING_INTERVAL_SECONDS; see runWakeLoop.
 */
export async function meteringLoopWorkflow(settings: LoopSettings): Promise<never> {
  return runWakeLoop(settings, meterUntilShort);
}

/**
 * One metering pass per execution, as the retired metering Schedule started
 * it. Kept registered so executions started before the upgrade finish (and
 * replay); tests and the bench run a single pass with it.
 */
export async function meteringWorkflow(): Promise<MeteringResult> {
  return meterUntilShort();
}
