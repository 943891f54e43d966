import { proxyActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payments.js';
import { sweepActivity } from '../presets.js';

const { dispatchDueRecharges } = proxyActivities<PaymentActivities>(sweepActivity);

/**
 * The auto-recharge safety net, run by a Schedule: signals-with-start a
 * recharge for every account with a pending trigger or a balance below its
 * threshold (a process that died between a burn's commit and its kick, or
 * settings saved while already below the threshold).
 */
export async function rechargeScannerWorkflow(): Promise<{ signalled: number }> {
  return { signalled: await dispatchDueRecharges() };
}
