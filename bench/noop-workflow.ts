import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

/** The baseline: a workflow with three no-op activities, nothing else. */
export async function noopWorkflow(): Promise<void> {
  await noop();
  await noop();
  await noop();
}
