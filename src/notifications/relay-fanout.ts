import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import {
  CRM_ACCOUNT_CHANGED_SIGNAL,
  crmAccountSyncWorkflowId,
  type CrmAccountSyncInput,
  type DeliveryRetryPolicy,
  webhookDeliveryWorkflowId,
  type WebhookDeliveryInput,
  WORKFLOW_TYPES,
} from '../../workflows/notifications/types.js';

export interface FanoutDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  retry: DeliveryRetryPolicy;
}

/**
 * Starts a delivery workflow for each delivery that has none yet, oldest event
 * first. The workflow id is derived from the delivery (and its replay count),
 * and REJECT_DUPLICATE keeps a re-run after a crash from delivering twice.
 */
export async function startPendingDeliveries(deps: FanoutDeps, limit: number): Promise<number> {
  const due = await deps.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'replays'])
    .where('workflow_started', '=', false)
    .where('status', '=', 'pending')
    .orderBy('event_seq')
    .limit(limit)
    .execute();
  for (const d of due) {
    const input: WebhookDeliveryInput = { deliveryId: d.id, retry: deps.retry };
    try {
      await deps.temporal.workflow.start(WORKFLOW_TYPES.webhookDelivery, {
        taskQueue: deps.taskQueue,
        workflowId: webhookDeliveryWorkflowId(d.id, d.replays),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    await deps.db.updateTable('webhook_deliveries').set({ workflow_started: true }).where('id', '=', d.id).where('replays', '=', d.replays).execute();
  }
  return due.length;
}

/**
 * Signals (starting it if needed) the sync workflow of each account marked as
 * changed. The marks are taken FOR UPDATE SKIP LOCKED and cleared in the same
 * transaction after the signals went out: a failed signal leaves the mark for
 * the next run, and a burn that commits after the clear marks the account again.
 */
export async function signalPendingCrmSyncs(
  deps: FanoutDeps & { crmSync: { debounceSeconds: number; idleSeconds?: number | undefined } },
  limit: number,
): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const { rows } = await sql<{ account_id: string }>`
      select account_id from crm_sync_marks where pending order by marked_at limit ${limit} for update skip locked`.execute(tx);
    for (const { account_id: accountId } of rows) {
      const input: CrmAccountSyncInput = { accountId, ...deps.crmSync };
      await deps.temporal.workflow.signalWithStart(WORKFLOW_TYPES.crmAccountSync, {
        taskQueue: deps.taskQueue,
        workflowId: crmAccountSyncWorkflowId(accountId),
        args: [input],
        signal: CRM_ACCOUNT_CHANGED_SIGNAL,
        signalArgs: [],
      });
    }
    if (rows.length > 0) {
      await tx.updateTable('crm_sync_marks').set({ pending: false }).where('account_id', 'in', rows.map((r) => r.account_id)).execute();
    }
    return rows.length;
  });
}
