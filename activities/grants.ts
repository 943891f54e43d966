import { Context } from '@temporalio/activity';
import type { LedgerDeps } from '../src/ledger/index.js';
import { startExpiryTimerWorkflow } from '../src/grants/timers.js';
import {
  closePlanPeriod,
  issuePlanAllotment,
  issueProratedAllotment,
  type AllotmentInput,
  type PeriodCloseInput,
  type ProrationInput,
} from '../src/grants/subscriptions.js';
import { recordSubscription, type SubscriptionRecord } from '../src/grants/subscription-records.js';
import { endTrialGrant, issueTrialGrant, type TrialGrantInput } from '../src/grants/trials.js';
import { applyApprovedGrant, rejectApproval, type Decision } from '../src/grants/approval-decisions.js';
import {
  expireGrantAsOf,
  readGrantExpiryState,
  recordGrantExpiring,
  sweepExpiredGrants,
  type ExpireOutcome,
  type GrantExpiryState,
} from '../src/grants/expiry.js';

/**
 * Grant lifecycle activities. Every instant (`at`) comes from the workflow's
 * own clock, so a timer that fires at the expiry instant expires at it.
 */
export function createGrantExpiryActivities(deps: { ledger: LedgerDeps }) {
  return {
    async readGrantExpiryState(grantId: string): Promise<GrantExpiryState | null> {
      return readGrantExpiryState(deps.ledger, grantId);
    },
    async expireGrantAt(grantId: string, at: string): Promise<ExpireOutcome> {
      return expireGrantAsOf(deps.ledger, grantId, at, 'system:grant-expiry');
    },
    async recordGrantExpiring(grantId: string, expiresAt: string, at: string): Promise<boolean> {
      return recordGrantExpiring(deps.ledger, grantId, expiresAt, at);
    },
    async sweepExpiredGrants(limit: number, at: string): Promise<number> {
      return sweepExpiredGrants(deps.ledger, limit, at);
    },
    /**
     * Starts the expiry timer of a grant a workflow issued, on this worker's
     * task queue, through the worker's own client. A top-level workflow rather
     * than an abandoned child: the timer outlives its issuer either way, and
     * every timer then starts the same way whoever issued the grant.
     */
    async startGrantExpiryTimer(grantId: string, expiringNoticeMs: number): Promise<void> {
      const { client, info } = Context.current();
      await startExpiryTimerWorkflow(client, info.taskQueue, grantId, expiringNoticeMs);
    },
  };
}

export type GrantExpiryActivities = ReturnType<typeof createGrantExpiryActivities>;

export function createGrantApprovalActivities(deps: { ledger: LedgerDeps }) {
  return {
    async applyApprovedGrant(approvalId: string, decision: Decision) {
      return applyApprovedGrant(deps.ledger, approvalId, decision);
    },
    async rejectApproval(approvalId: string, decision: Decision) {
      return rejectApproval(deps.ledger, approvalId, decision);
    },
  };
}

export type GrantApprovalActivities = ReturnType<typeof createGrantApprovalActivities>;

export function createSubscriptionActivities(deps: { ledger: LedgerDeps }) {
  return {
    async issuePlanAllotment(input: AllotmentInput) {
      return issuePlanAllotment(deps.ledger, input);
    },
    async issueProratedAllotment(input: ProrationInput) {
      return issueProratedAllotment(deps.ledger, input);
    },
    async closePlanPeriod(input: PeriodCloseInput) {
      return closePlanPeriod(deps.ledger, input);
    },
  };
}

export type SubscriptionActivities = ReturnType<typeof createSubscriptionActivities>;

export function createTrialActivities(deps: { ledger: LedgerDeps }) {
  return {
    async issueTrialGrant(input: TrialGrantInput) {
      return issueTrialGrant(deps.ledger, input);
    },
    /** A trial converted early: what is left of its credits is voided. */
    async endTrialGrant(input: { grantId: string; at: string }) {
      return endTrialGrant(deps.ledger, input);
    },
    /** The row of the subscription a trial converts into, written before its workflow starts. */
    async recordSubscription(record: SubscriptionRecord) {
      return recordSubscription(deps.ledger.db, record);
    },
  };
}

export type TrialActivities = ReturnType<typeof createTrialActivities>;

/** Every grant lifecycle activity, spread into the worker's activities by activities/index.ts. */
export function createGrantActivities(deps: { ledger: LedgerDeps }) {
  return {
    ...createGrantExpiryActivities(deps),
    ...createGrantApprovalActivities(deps),
    ...createSubscriptionActivities(deps),
    ...createTrialActivities(deps),
  };
}

export type GrantActivities = ReturnType<typeof createGrantActivities>;
