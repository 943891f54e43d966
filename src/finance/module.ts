import { financeReconciliationWorkflow } from '../../workflows/finance/reconciliation.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import { financeSettings, type FinanceSettings } from './settings.js';

export const FINANCE_RECONCILE_SCHEDULE_ID = 'burndown-finance-reconciliation';

/** Finance, wired: the close and reconciliation activities' settings, and the nightly reconciliation Schedule. */
export function createFinanceModule(core: Core) {
  const { config } = core;
  return {
    schedules: [
      { scheduleId: FINANCE_RECONCILE_SCHEDULE_ID, workflow: financeReconciliationWorkflow, cron: config.FINANCE_RECONCILE_CRON },
    ],
    activities: (): FinanceSettings => financeSettings(config),
  } satisfies AreaModule<never, FinanceSettings>;
}
