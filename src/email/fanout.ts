import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { emailDeliveryWorkflow } from '../../workflows/notifications/email-delivery.js';
import { emailDeliveryWorkflowId, type EmailDeliveryInput } from '../contracts/notifications.js';
import type { FanoutDeps } from '../notifications/relay-fanout.js';

/**
 * Starts the delivery workflow of each queued mail that has none yet, oldest
 * event first. The workflow id is the delivery's and REJECT_DUPLICATE keeps a
 * re-run after a crash (between the start and the mark) from sending twice.
 */
export async function startPendingEmails(deps: FanoutDeps, limit: number): Promise<number> {
  const due = await deps.db
    .selectFrom('email_deliveries')
    .select('id')
    .where('workflow_started', '=', false)
    .orderBy('event_seq')
    .limit(limit)
    .execute();
  for (const { id } of due) {
    const input: EmailDeliveryInput = { deliveryId: id, retry: deps.retry };
    await deps.temporal.workflow
      .start(emailDeliveryWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: emailDeliveryWorkflowId(id),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      })
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      });
    await deps.db.updateTable('email_deliveries').set({ workflow_started: true }).where('id', '=', id).execute();
  }
  return due.length;
}
