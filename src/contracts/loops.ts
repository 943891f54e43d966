import { defineSignal } from '@temporalio/workflow';

/**
 * The long-lived housekeeping loops (the outbox relay, metering): one workflow
 * each, with a fixed id per task queue, that does a pass of work, then waits
 * for a wake-up or its fallback timer, and continues as new now and then.
 */
export interface LoopSettings {
  /** Fallback: a pass runs at least this often even when nothing woke the loop. */
  intervalSeconds: number;
  /** Passes per run before it continues as new (sooner when Temporal suggests it), so its history stays small. */
  maxPasses: number;
}

/**
 * "There is work": the loop runs a pass as soon as its current one ends.
 * Settings, when given (the worker sends its config at start), replace the
 * loop's own from then on and are carried across continue-as-new.
 */
export const loopWakeSignal = defineSignal<[LoopSettings?]>('wake');

/** Passes per run: about 5 history events each when idle, so a run stays near 5k events. */
export const LOOP_MAX_PASSES = 1000;
