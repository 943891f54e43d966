import { createAuditModule } from '../audit/module.js';
import { createConsumptionModule } from '../consumption/module.js';
import { createCrmModule } from '../crm/module.js';
import { createDisputesModule } from '../disputes/module.js';
import { createFinanceModule } from '../finance/module.js';
import { createGrantsModule } from '../grants/module.js';
import { createNotificationsModule } from '../notifications/module.js';
import { createPaymentsModule } from '../payments/module.js';
import type { Core } from './core.js';
import { createLedgerModule } from './ledger-module.js';
import type { LoopSpec } from './loops.js';
import type { ScheduleSpec } from './schedules.js';

/**
 * Burndown's areas, each wired by its own module over the shared core. The
 * API process takes what the routes need from here, the worker what the
 * activities need and every area's Schedules.
 */
export function openAreas(core: Core) {
  const notifications = createNotificationsModule(core);
  const payments = createPaymentsModule(core);
  return {
    // Every ledger operation runs these observers inside its transaction, in this order.
    ledger: createLedgerModule(core, [...notifications.observers, ...payments.observers]),
    consumption: createConsumptionModule(core),
    grants: createGrantsModule(core),
    payments,
    notifications,
    crm: createCrmModule(core),
    finance: createFinanceModule(core),
    audit: createAuditModule(core),
    disputes: createDisputesModule(core),
  };
}

export type Areas = ReturnType<typeof openAreas>;

/** Every area's recurring workflows: the one schedule table the worker ensures at start. */
export function scheduleTable(areas: Areas): ScheduleSpec[] {
  return Object.values(areas).flatMap((area) => area.schedules);
}

/** Every area's loop workflows: the worker starts each (or hands it new settings) at start. */
export function loopTable(areas: Areas): LoopSpec[] {
  return Object.values(areas).flatMap((area) => ('loops' in area ? area.loops : []));
}

/** What the areas run in the worker process beside its activities (the outbox LISTEN); started by the worker. */
export function startWorkerSideTasks(areas: Areas): { close(): Promise<void> }[] {
  return Object.values(areas).flatMap((area) => ('worker' in area ? [area.worker()] : []));
}
