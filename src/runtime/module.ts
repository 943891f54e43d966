import type { LedgerDeps, LedgerObserver } from '../ledger/index.js';
import type { LoopSpec } from './loops.js';
import type { ScheduleSpec } from './schedules.js';

/**
 * What one area adds to a Burndown process, built once by its factory
 * (`createXModule(core)` in src/<area>/module.ts) over the shared core.
 */
export interface AreaModule<Api = never, Activities = never> {
  /** Run inside every ledger operation's transaction (see LedgerObserver). */
  observers?: readonly LedgerObserver[];
  /** The area's recurring workflows; the worker ensures them at start. */
  schedules?: readonly ScheduleSpec[];
  /** The area's long-lived loop workflows, woken when there is work; the worker ensures them at start. */
  loops?: readonly LoopSpec[];
  /** What the area's routes need beyond ApiDeps; built by the API process only. */
  api?: (ledger: LedgerDeps) => Promise<Api>;
  /** What the area runs in the worker process beside its activities (a LISTEN); closed when the worker stops. */
  worker?: () => { close(): Promise<void> };
  /** What the area's activities need (its part of ActivityDeps); built by the worker only. */
  activities?: (ledger: LedgerDeps) => Activities | Promise<Activities>;
}
