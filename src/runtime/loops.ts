import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { loopWakeSignal, type LoopSettings } from '../contracts/index.js';
import type { Logger } from '../logger.js';

/**
 * One long-lived loop workflow (src/contracts/loops.ts): its fixed id, its
 * workflow function and its settings from config. Each area's module lists
 * its own (src/<area>/module.ts); the worker ensures them all at start.
 */
export interface LoopSpec {
  workflowId: string;
  workflow: (settings: LoopSettings) => Promise<never>;
  settings: LoopSettings;
  /** The Schedule that ran this work before the loop did: deleted at start, so an upgraded deployment stops it. */
  replacesSchedule?: string;
}

/**
 * Wakes the loop, starting it if it is not running (signal-with-start: one
 * execution per id, however many processes call this at once). Settings,
 * when given, replace the running loop's.
 */
export async function wakeLoop(client: Client, taskQueue: string, loop: LoopSpec, settings?: LoopSettings): Promise<void> {
  await client.workflow.signalWithStart(loop.workflow, {
    workflowId: loop.workflowId,
    taskQueue,
    args: [loop.settings],
    signal: loopWakeSignal,
    signalArgs: settings ? [settings] : [],
  });
}

/** At worker start: deletes the Schedule the loop replaces, then starts the loop or hands it this worker's settings. */
export async function ensureLoop(client: Client, taskQueue: string, loop: LoopSpec): Promise<void> {
  if (loop.replacesSchedule) {
    try {
      await client.schedule.getHandle(loop.replacesSchedule).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
  await wakeLoop(client, taskQueue, loop, loop.settings);
}

export interface Waker {
  /** Asks for a wake-up; returns at once and never throws. */
  (): void;
  /** Waits for the signal in flight, sends no more. */
  close(): Promise<void>;
}

/**
 * Coalesced wake-ups of one loop for one process: at most one signal in
 * flight; asks made meanwhile become one more signal after it, and signals
 * are at least minGapMs apart, so a burst of commits costs a few signals, not
 * one each, and the loop's history stays small. The first ask after a quiet
 * spell is sent at once. A failed signal is logged and dropped: the loop's
 * fallback timer covers it, and the caller's request never waits or fails.
 */
export function createWaker(send: () => Promise<void>, options: { logger: Logger; what: string; minGapMs?: number }): Waker {
  const minGapMs = options.minGapMs ?? 200;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const run = async () => {
    do {
      again = false;
      try {
        await send();
      } catch (error) {
        options.logger.warn({ err: error }, `${options.what} wake-up not sent; its fallback timer covers it`);
      }
      await new Promise((resolve) => setTimeout(resolve, minGapMs).unref());
    } while (again && !closed);
  };
  const wake = () => {
    if (closed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = run().finally(() => (inFlight = undefined));
  };
  return Object.assign(wake, {
    async close() {
      closed = true;
      await inFlight;
    },
  });
}
