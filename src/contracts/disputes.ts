import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** One workflow per dispute case: its SLA timer, its escalation and every change of its state. */
export const disputeWorkflowId = (disputeId: string) => `dispute-${disputeId}`;

export interface DisputeCaseInput {
  disputeId: string;
  /** From opening to the SLA's due instant (DISPUTE_SLA_HOURS or DISPUTE_SLA_BUSINESS_DAYS), in ms. */
  slaMs: number;
  /** Where the case goes when its SLA passes unresolved (DISPUTE_ESCALATION_QUEUE). */
  escalationQueue: string;
}

/** Who acts, for the audit record. */
export interface DisputeActor {
  actor: string;
  sourceIp?: string | null | undefined;
  requestId?: string | null | undefined;
}

/**
 * A change to a case, made by support through the API. `assign` takes it
 * (open → investigating); `resolve` may refund the disputed burn (all that is
 * left of it, or `amount`); `reject` closes it with an explanation.
 */
export type DisputeStep =
  | { action: 'note'; body: string }
  | { action: 'assign'; owner: string }
  | { action: 'resolve'; explanation: string; refund: boolean; amount?: string | undefined }
  | { action: 'reject'; explanation: string };

export type DisputeAction = DisputeActor & DisputeStep;

export type DisputeCaseStatus = 'open' | 'investigating' | 'resolved' | 'rejected';

/** What the workflow knows of its case after each step; the table row has the rest. */
export interface DisputeCaseState {
  disputeId: string;
  status: DisputeCaseStatus;
  escalated: boolean;
}

/** Applies one action, in order with the others; refused with type `dispute_closed` once the case is resolved or rejected. */
export const disputeActionUpdate = defineUpdate<DisputeCaseState, [DisputeAction]>('disputeAction');
export const disputeStateQuery = defineQuery<DisputeCaseState>('disputeState');
