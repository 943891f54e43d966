import { proxyActivities } from '@temporalio/workflow';
import type { FinanceActivities } from '../../activities/finance.js';
import { financeActivity } from '../presets.js';

const { runReconciliation } = proxyActivities<FinanceActivities>(financeActivity);

/**
 * The nightly reconciliation, started by a Schedule: ledger totals against
 * the stored balances (the invariant check) and posted journals against the
 * accounting system's totals; discrepancies become an outbox alert and a report.
 */
export async function financeReconciliationWorkflow(): Promise<{ id: string; status: 'ok' | 'discrepancies'; discrepancies: number }> {
  return runReconciliation(new Date().toISOString());
}
