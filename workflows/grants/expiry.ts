import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { GrantExpiryActivities } from '../../activities/grants.js';
import { grantClosedSignal, grantExpiryChangedSignal } from '../definitions/grants.js';
import { ledgerActivity, sweepActivity } from '../presets.js';

const { readGrantExpiryState, expireGrantAt, recordGrantExpiring } = proxyActivities<GrantExpiryActivities>(ledgerActivity);

export interface GrantExpiryInput {
  grantId: string;
  /** How long before the expiry `grant.expiring` is written. */
  expiringNoticeMs: number;
  /** The expiry a `grant.expiring` was already written for (carried over continue-as-new). */
  noticeSentFor?: string | null;
}

export interface GrantExpiryResult {
  outcome: 'expired' | 'voided' | 'missing';
  expired: string;
}

/** Rounds of re-reading (each moved expiry is one) before the history is cut by continue-as-new. */
const ROUNDS_PER_RUN = 50;

/**
 * The durable expiry timer of one grant (R-G6). Reads the grant, writes
 * `grant.expiring` ahead of time, sleeps until the expiry instant and expires
 * the remainder there. A moved expiry (signal) or a void (signal) wakes it to
 * re-read the grant: the ledger, not the signal payload, is the truth. Firing
 * twice is harmless: the ledger expires a grant once.
 */
export async function grantExpiryWorkflow(input: GrantExpiryInput): Promise<GrantExpiryResult> {
  let woken = false;
  setHandler(grantExpiryChangedSignal, () => void (woken = true));
  setHandler(grantClosedSignal, () => void (woken = true));
  let noticeSentFor = input.noticeSentFor ?? null;
  /** Sleeps until `instant` unless a signal comes first; true when woken. */
  const sleepUntil = async (instant: number) => {
    const wait = instant - Date.now();
    return wait > 0 ? condition(() => woken, wait) : woken;
  };

  for (let round = 0; round < ROUNDS_PER_RUN; round++) {
    woken = false;
    const grant = await readGrantExpiryState(input.grantId);
    if (grant === null) return { outcome: 'missing', expired: '0' };
    if (grant.status !== 'active') return { outcome: grant.status as 'expired' | 'voided', expired: '0' };
    if (grant.expiresAt === null) {
      await condition(() => woken);
      continue;
    }
    const expiresAt = Date.parse(grant.expiresAt);
    if (noticeSentFor !== grant.expiresAt) {
      const noticeAt = expiresAt - input.expiringNoticeMs;
      // Dated at the notice instant when the timer waited for it; now when that instant had passed.
      const noticeTime = Date.now() < noticeAt ? noticeAt : Date.now();
      if (await sleepUntil(noticeAt)) continue;
      await recordGrantExpiring(input.grantId, grant.expiresAt, new Date(noticeTime).toISOString());
      noticeSentFor = grant.expiresAt;
    }
    if (await sleepUntil(expiresAt)) continue;
    const outcome = await expireGrantAt(input.grantId, new Date().toISOString());
    if (outcome.status !== 'not_due') return { outcome: outcome.status, expired: outcome.expired };
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof grantExpiryWorkflow>({ ...input, noticeSentFor });
}

const SWEEP_BATCH = 500;

/**
 * The safety net behind the timers, run by a Schedule: expires every active
 * grant already past its expiry, so a lost timer start never keeps credits alive.
 */
export async function grantExpirySweepWorkflow(): Promise<{ expired: number }> {
  const { sweepExpiredGrants } = proxyActivities<GrantExpiryActivities>(sweepActivity);
  let expired = 0;
  for (let batch = 0; batch < 100; batch++) {
    const count = await sweepExpiredGrants(SWEEP_BATCH, new Date().toISOString());
    expired += count;
    if (count < SWEEP_BATCH) break;
  }
  return { expired };
}
