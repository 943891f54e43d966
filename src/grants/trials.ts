import { type LedgerDeps } from '../ledger/index.js';
import { issueGrant } from '../observability/measured-ledger.js';
import type { ResolvedTrial } from '../contracts/grants.js';
import { clockAtLeast } from './expiry.js';

/** The trial grant's external ref: one trial grant per account and trial, however often it is asked for. */
export const trialGrantRef = (accountId: string, trialId: string) => `trial:${accountId}:${trialId}`;

export interface TrialGrantInput {
  accountId: string;
  trial: ResolvedTrial;
  startedAt: string;
  endsAt: string;
  /** The workflow's instant. */
  at: string;
  /** The trial workflow's id, for the ledger-level idempotency key. */
  workflowId: string;
}

/** Issues the trial credits (source `trial`), expiring at the trial end (R-G7). */
export async function issueTrialGrant(ledger: LedgerDeps, input: TrialGrantInput): Promise<{ grantId: string; expiresAt: string }> {
  const grant = await issueGrant(
    clockAtLeast(ledger, input.at),
    {
      accountId: input.accountId,
      creditType: input.trial.creditType,
      amount: input.trial.amount,
      source: 'trial',
      effectiveAt: new Date(input.startedAt),
      expiresAt: new Date(input.endsAt),
      externalRef: trialGrantRef(input.accountId, input.trial.trialId),
      metadata: { trialId: input.trial.trialId },
    },
    { actor: 'system:trial', idempotencyKey: `${input.workflowId}:grant`, reason: `trial ${input.trial.trialId}` },
  );
  return { grantId: grant.id, expiresAt: grant.expiresAt! };
}
