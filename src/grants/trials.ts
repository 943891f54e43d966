import type { Database } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { findGrant, type LedgerDeps } from '../ledger/index.js';
import { issueGrant, voidGrant } from '../observability/measured-ledger.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
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

/**
 * `trial.depleted`: the trial credits ran out before the trial's end (the
 * ledger's timer mark says the grant's remaining crossed zero at `at`). Once
 * per trial grant; nothing when the grant is no trial's, has credits again,
 * is closed, or ran out at or after its end.
 */
export async function recordTrialDepleted(db: Database, grantId: string, at: Date): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const grant = await findGrant(tx, grantId);
    if (grant.source !== 'trial' || grant.status !== 'active' || grant.remaining !== 0n) return false;
    if (!grant.expires_at || grant.expires_at <= at) return false;
    await writeOutboxEvent(tx, {
      id: `trial.depleted:${grant.id}`,
      accountId: grant.account_id,
      type: 'trial.depleted',
      occurredAt: at,
      payload: {
        trialId: (grant.metadata as Record<string, string> | null)?.trialId ?? null,
        grantId: grant.id,
        creditType: grant.credit_type,
        depletedAt: at.toISOString(),
        endsAt: grant.expires_at.toISOString(),
      },
    });
    return true;
  });
}

/**
 * A trial converted early ends its credits now: what is left of the trial
 * grant is voided (the paid plan's allotment replaces it; trial credits have
 * no cost basis, so no money moves). Idempotent by the grant.
 */
export async function endTrialGrant(ledger: LedgerDeps, input: { grantId: string; at: string }): Promise<void> {
  const grant = await findGrant(ledger.db, input.grantId);
  if (grant.status !== 'active') return;
  await voidGrant(clockAtLeast(ledger, input.at), grant.id, {
    actor: 'system:trial',
    idempotencyKey: `trial-converted:${grant.id}`,
    reason: 'trial converted early',
  });
}
