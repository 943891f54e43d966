import type { DisputeAction, DisputeCaseState } from '../src/contracts/disputes.js';
import { applyDisputeAction, escalateDispute } from '../src/disputes/changes.js';
import type { LedgerDeps } from '../src/ledger/index.js';
import { mapFailures } from './failures.js';

/** The steps of a dispute case's workflow; a refusal (a refund that no longer fits, …) is non-retryable, typed by its code. */
export function createDisputeActivities(deps: { ledger: LedgerDeps }) {
  return {
    async applyDisputeAction(disputeId: string, action: DisputeAction, stepKey: string): Promise<DisputeCaseState> {
      return mapFailures(applyDisputeAction(deps.ledger, disputeId, action, stepKey));
    },
    async escalateDispute(disputeId: string, queue: string): Promise<DisputeCaseState> {
      return mapFailures(escalateDispute(deps.ledger, disputeId, queue));
    },
  };
}

export type DisputeActivities = ReturnType<typeof createDisputeActivities>;
