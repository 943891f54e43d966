import type { Client } from '@temporalio/client';
import { holdSweeperWorkflow } from '../../workflows/hold-sweeper.js';
import { createGroupCommit, type LedgerDeps, type LedgerObserver } from '../ledger/index.js';
import type { Core } from './core.js';
import { ensureSchedule, type ScheduleSpec } from './schedules.js';

export const HOLD_SWEEPER_SCHEDULE_ID = 'burndown-hold-sweeper';

const holdSweeperSchedule = (everySeconds: number): ScheduleSpec => ({
  scheduleId: HOLD_SWEEPER_SCHEDULE_ID,
  workflow: holdSweeperWorkflow,
  everySeconds,
});

/**
 * The ledger, wired: its dependencies (the core's database and clock, hold
 * TTLs, the observers of the areas that watch it, group commit) and the hold
 * sweeper Schedule. It lives here, not in src/ledger/, because the ledger imports
 * nothing above it.
 */
export function createLedgerModule(core: Core, observers: readonly LedgerObserver[]) {
  const deps: LedgerDeps = {
    db: core.db,
    clock: core.clock,
    holdDefaultTtlSeconds: core.config.HOLD_DEFAULT_TTL_SECONDS,
    holdMaxTtlSeconds: core.config.HOLD_MAX_TTL_SECONDS,
    observers,
    // Concurrent deducts and holds of one account in this process share one transaction.
    groupCommit: createGroupCommit(),
  };
  return { deps, schedules: [holdSweeperSchedule(core.config.HOLD_SWEEP_INTERVAL_SECONDS)] };
}

/** The ledger's Schedule alone (the hold sweeper), as the worker ensures it. */
export async function ensureSchedules(client: Client, taskQueue: string, holdSweepIntervalSeconds: number): Promise<void> {
  await ensureSchedule(client, taskQueue, holdSweeperSchedule(holdSweepIntervalSeconds));
}
