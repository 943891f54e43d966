import type { LedgerDeps } from '../src/ledger/context.js';
import { createLedgerActivities } from './ledger.js';
import { createGrantActivities } from './grants.js';

/** What activities may use; built once by the worker entry point. */
export interface ActivityDeps {
  ledger: LedgerDeps;
}

/** All activities of the Burndown worker, one factory per area. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createLedgerActivities(deps),
    ...createGrantActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
