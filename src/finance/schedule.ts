import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { FINANCE_RECONCILE_SCHEDULE_ID } from '../contracts/finance.js';

/** The nightly reconciliation Schedule; created when missing, an existing one keeps its settings. */
export async function ensureFinanceReconciliationSchedule(client: Client, taskQueue: string, cron: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: FINANCE_RECONCILE_SCHEDULE_ID,
      spec: { cronExpressions: [cron] },
      action: { type: 'startWorkflow', workflowType: 'financeReconciliationWorkflow', taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
