import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import type { ScheduleSpec } from '../runtime/schedules.js';

/**
 * Disputes, wired: no Schedule (each case's workflow carries its own SLA
 * timer) and nothing beyond the ledger for its activities or routes. Listed
 * with the other areas so the area has the same place in every folder.
 */
export function createDisputesModule(_core: Core) {
  return { schedules: [] as ScheduleSpec[] } satisfies AreaModule;
}
