import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/audit.js';
import { sweepActivity } from '../presets.js';

const { anchorLedgerHeads } = proxyActivities<AuditActivities>(sweepActivity);

/**
 * Anchors the ledger's chain heads under LEDGER_ANCHOR_KEY. Started by the
 * ledger-anchor Schedule every LEDGER_ANCHOR_INTERVAL_SECONDS; one activity,
 * one transaction, so a retried run writes one anchor or none.
 */
export async function ledgerAnchorWorkflow(): Promise<{ anchorId: string; heads: number }> {
  return anchorLedgerHeads();
}
