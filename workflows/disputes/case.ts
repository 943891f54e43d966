import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { DisputeActivities } from '../../activities/disputes.js';
import {
  disputeActionUpdate,
  disputeStateQuery,
  type DisputeAction,
  type DisputeCaseInput,
  type DisputeCaseState,
} from '../../src/contracts/disputes.js';
import { ledgerActivity } from '../presets.js';

const { applyDisputeAction, escalateDispute } = proxyActivities<DisputeActivities>(ledgerActivity);

const isClosed = (state: DisputeCaseState) => state.status === 'resolved' || state.status === 'rejected';

/**
 * One dispute case (issue 19), under the id dispute-<disputeId>. The case's
 * row is written when it opens; from then on every change goes through this
 * workflow's Update, one at a time in the order they arrived, so two people
 * resolving and rejecting at once cannot both win. The SLA timer runs from
 * opening: a case still unresolved when it passes is escalated (once) to the
 * escalation queue and keeps waiting. The workflow ends when the case is
 * resolved or rejected.
 */
export async function disputeCaseWorkflow(input: DisputeCaseInput): Promise<DisputeCaseState> {
  let state: DisputeCaseState = { disputeId: input.disputeId, status: 'open', escalated: false };
  // The tail of the queue of steps: each runs once the one before it has finished (or failed).
  let previous: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(step: () => Promise<T>): Promise<T> => {
    const run = previous.then(step);
    previous = run.catch(() => undefined);
    return run;
  };
  const refuseIfClosed = () => {
    if (isClosed(state)) throw ApplicationFailure.nonRetryable(`Dispute ${input.disputeId} is already ${state.status}`, 'dispute_closed');
  };

  setHandler(disputeStateQuery, () => state);
  setHandler(
    disputeActionUpdate,
    (action: DisputeAction) =>
      enqueue(async () => {
        refuseIfClosed();
        state = await applyDisputeAction(input.disputeId, action, uuid4());
        return state;
      }),
    { validator: (_action: DisputeAction) => refuseIfClosed() },
  );

  const closedInTime = await condition(() => isClosed(state), input.slaMs);
  if (!closedInTime) {
    await enqueue(async () => {
      if (!isClosed(state)) state = await escalateDispute(input.disputeId, input.escalationQueue);
    });
    await condition(() => isClosed(state));
  }
  await condition(allHandlersFinished);
  return state;
}
