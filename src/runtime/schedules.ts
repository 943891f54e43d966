import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

/**
 * One recurring job: a workflow without arguments started by a Temporal
 * Schedule, every N seconds or on a cron expression (UTC). Each area's module
 * lists its own (src/<area>/module.ts); the worker ensures them all at start.
 */
export type ScheduleSpec = {
  scheduleId: string;
  workflow: () => Promise<unknown>;
} & ({ everySeconds: number } | { cron: string });

/**
 * Creates the Schedule when it is missing. An existing one keeps its settings
 * (change them in the Web UI, or delete it to have it created again from
 * here). Overlapping runs are skipped; a missed run is caught up within a
 * minute (interval) or an hour (cron).
 */
export async function ensureSchedule(client: Client, taskQueue: string, schedule: ScheduleSpec): Promise<void> {
  const cron = 'cron' in schedule;
  try {
    await client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec: cron ? { cronExpressions: [schedule.cron] } : { intervals: [{ every: `${schedule.everySeconds} seconds` }] },
      action: { type: 'startWorkflow', workflowType: schedule.workflow, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: cron ? '1 hour' : '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
