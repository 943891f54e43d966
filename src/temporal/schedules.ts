import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

export const HOLD_SWEEPER_SCHEDULE_ID = 'burndown-hold-sweeper';

/**
 * The recurring jobs, as Temporal Schedules. Created when missing; an existing
 * schedule keeps its settings (change them in the Web UI or delete it to have
 * it recreated from here).
 */
export async function ensureSchedules(client: Client, taskQueue: string, holdSweepIntervalSeconds: number): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: HOLD_SWEEPER_SCHEDULE_ID,
      spec: { intervals: [{ every: `${holdSweepIntervalSeconds} seconds` }] },
      action: { type: 'startWorkflow', workflowType: 'holdSweeperWorkflow', taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
