import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { QueryDefinition, UpdateDefinition, Workflow } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

/**
 * Starts a grant lifecycle workflow (subscription, trial) on the worker's task
 * queue under a fixed id. A second start (a retried request) finds the first:
 * `started` tells which.
 */
export async function startOnce<W extends Workflow>(
  deps: { temporal: Client; config: { TEMPORAL_TASK_QUEUE: string } },
  workflow: W,
  workflowId: string,
  args: Parameters<W>,
): Promise<{ handle: WorkflowHandle<W>; started: boolean }> {
  try {
    // The SDK's conditional args type does not resolve for a generic W; `args: Parameters<W>` is what it asks for.
    const options = {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args,
    } as unknown as WorkflowStartOptions<W>;
    const handle = await deps.temporal.workflow.start(workflow, options);
    return { handle, started: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { handle: deps.temporal.workflow.getHandle<W>(workflowId), started: false };
  }
}

/** A workflow's state query; 404 when the workflow is gone (past Temporal's retention). */
export async function queryState<T>(handle: WorkflowHandle, query: QueryDefinition<T, []>, what: string, id: string): Promise<T> {
  try {
    return await handle.query(query);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new NotFoundError(what, id);
    throw error;
  }
}

/**
 * Runs a subscription (or trial) Update, deduplicated by Temporal on an id derived from
 * the request's idempotency key, and maps the workflow's refusals to problems:
 * a closed subscription or trial (`closedCode`: validator, or the workflow
 * already finished) or a trial that converts to nothing is 409,
 * a change the workflow cannot apply is 400 on `field`.
 */
export async function runSubscriptionUpdate<R, A>(
  handle: WorkflowHandle,
  update: UpdateDefinition<R, [A]>,
  arg: A,
  idempotencyKey: string | undefined,
  field: string,
  closedCode = 'subscription_closed',
): Promise<R> {
  const updateId = idempotencyKey
    ? `http-${createHash('sha256').update(`${update.name}\u0000${idempotencyKey}`).digest('hex').slice(0, 32)}`
    : undefined;
  try {
    return await handle.executeUpdate(update, { args: [arg], ...(updateId && { updateId }) });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && (cause.type === closedCode || cause.type === 'not_convertible'))
      throw new ConflictError(cause.type, cause.message);
    if (cause instanceof ApplicationFailure && cause.type === 'invalid_change')
      throw new ValidationError(cause.message, [{ path: field, message: cause.message }]);
    if (error instanceof WorkflowNotFoundError) throw new ConflictError(closedCode, 'It has ended');
    throw error;
  }
}

/**
 * The state of a just-started workflow once its first ledger step is done
 * (an Update that waits for it); the plain query when the workflow has
 * already finished (a start that found an old, closed one).
 */
export async function settledState<T>(
  handle: WorkflowHandle,
  settled: UpdateDefinition<T, []>,
  query: QueryDefinition<T, []>,
  what: string,
  id: string,
): Promise<T> {
  try {
    return await handle.executeUpdate(settled);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return queryState(handle, query, what, id);
  }
}
