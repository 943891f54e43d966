import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { GRANT_EXPIRY_SWEEP_SCHEDULE_ID } from '../contracts/grants.js';

/**
 * The grant expiry sweep as a Temporal Schedule: the safety net that expires
 * active grants past their expiry whose timer was never started or was lost.
 * Created when missing; an existing schedule keeps its settings.
 */
export async function ensureGrantExpirySweepSchedule(client: Client, taskQueue: string, intervalSeconds: number): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: GRANT_EXPIRY_SWEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: `${intervalSeconds} seconds` }] },
      action: { type: 'startWorkflow', workflowType: 'grantExpirySweepWorkflow', taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
