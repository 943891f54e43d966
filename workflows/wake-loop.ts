import { ActivityFailure, condition, continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { loopWakeSignal, type LoopSettings } from '../src/contracts/index.js';

/**
 * The body of a long-lived loop workflow (src/contracts/loops.ts): a pass of
 * work at once, then after each wake-up signal or, failing one, after
 * intervalSeconds; continues as new after maxPasses passes or when Temporal
 * suggests it, so one execution serves for hours instead of one per interval.
 *
 * A wake-up during a pass is kept and runs the next pass right after it, so
 * work written while a pass read the table is never left for the timer. One
 * that reaches the server as the run continues as new is covered by the new
 * run's first pass. A pass whose activity gave up is logged and the loop goes
 * on: the next wake-up or timer retries, as the next Schedule run did.
 */
export async function runWakeLoop(initial: LoopSettings, pass: () => Promise<unknown>): Promise<never> {
  let settings = initial;
  let woken = false;
  setHandler(loopWakeSignal, (next) => {
    woken = true;
    if (next) settings = next;
  });
  for (let passes = 0; passes < settings.maxPasses && !workflowInfo().continueAsNewSuggested; passes++) {
    woken = false;
    try {
      await pass();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('loop pass failed; the next wake-up or timer tries again', { error: error.cause?.message ?? error.message });
    }
    await condition(() => woken, settings.intervalSeconds * 1000);
  }
  return continueAsNew<(settings: LoopSettings) => Promise<never>>(settings);
}
