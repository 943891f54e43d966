import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { tryEach } from '../outbox/try-each.js';
import { crmAccountChangedSignal, crmAccountSyncWorkflowId, type CrmAccountSyncInput } from '../contracts/crm.js';
import { crmAccountSyncWorkflow } from '../../workflows/crm/account-sync.js';
import { webhookDeliveryWorkflow } from '../../workflows/notifications/webhook-delivery.js';
import { webhookDeliveryWorkflowId, type DeliveryRetryPolicy, type WebhookDeliveryInput } from '../contracts/notifications.js';

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
      await deps.temporal.workflow.start(webhookDeliveryWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: webhookDeliveryWorkflowId(d.id, d.replays),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    await deps.db
      .updateTable('webhook_deliveries')
      .set({ workflow_started: true })
      .where('id', '=', d.id)
      .where('replays', '=', d.replays)
      .execute();
  }
  return due.length;
}

/**
 * Signals (starting it if needed) the sync workflow of each account marked as
 * changed. The marks are claimed first (cleared in a short statement of their
 * own), then signalled: every ledger transaction of a linked account upserts
 * its mark, so a lock held across the Temporal calls would stall those
 * transactions, balance locks and all, for as long as Temporal is slow. A
 * change that commits after the claim marks the account again for the next
 * run; a failed signal puts its mark back and the error is rethrown after the
 * others were tried. Only a crash between the claim and the signal loses a
 * mark; the account then syncs on its next change or at the reconcile Schedule.
 */
export async function signalPendingCrmSyncs(
  deps: FanoutDeps & { crmSync: { debounceSeconds: number; idleSeconds?: number | undefined } },
  limit: number,
): Promise<number> {
  const { rows } = await sql<{ account_id: string }>`
    update crm_sync_marks set pending = false
    where account_id in (select account_id from crm_sync_marks where pending order by marked_at limit ${limit} for update skip locked)
    returning account_id`.execute(deps.db);
  const { failed, firstError } = await tryEach(rows, async ({ account_id: accountId }) => {
    const input: CrmAccountSyncInput = { accountId, ...deps.crmSync };
    await deps.temporal.workflow.signalWithStart(crmAccountSyncWorkflow, {
      taskQueue: deps.taskQueue,
      workflowId: crmAccountSyncWorkflowId(accountId),
      args: [input],
      signal: crmAccountChangedSignal,
      signalArgs: [],
    });
  });
  if (failed.length > 0) {
    await deps.db
      .updateTable('crm_sync_marks')
      .set({ pending: true })
      .where(
        'account_id',
        'in',
        failed.map((r) => r.account_id),
      )
      .execute();
    throw firstError;
  }
  return rows.length;
}
