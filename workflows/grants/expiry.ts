import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { GrantExpiryActivities } from '../../activities/grants.js';
import { grantClosedSignal, grantExpiryChangedSignal, grantRemainingChangedSignal } from '../../src/contracts/grants.js';
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
  /** `used_up`: nothing was left to expire; a refill starts a new timer run. */
  outcome: 'expired' | 'voided' | 'missing' | 'used_up';
  expired: string;
}

/** Timers that began before this rule kept waiting for a used-up grant's expiry instant. */
export const END_TIMER_WHEN_USED_UP = 'end-timer-when-used-up';

/** Rounds of re-reading (each moved expiry is one) before the history is cut by continue-as-new. */
const ROUNDS_PER_RUN = 50;

/**
 * The durable expiry timer of one grant (R-G6). Reads the grant, writes
 * `grant.expiring` ahead of time, sleeps until the expiry instant and expires
 * the remainder there. A moved expiry, a void, or the remaining amount
 * crossing zero (signals) wake it to re-read the grant: the ledger, not the
 * signal payload, is the truth. A used-up grant ends its timer; if credits
 * come back (a refund, a released hold) the outbox relay starts it again, and
 * the expiry sweep covers the gap. Firing twice is harmless: the ledger
 * expires a grant once.
 */
export async function grantExpiryWorkflow(input: GrantExpiryInput): Promise<GrantExpiryResult> {
  let woken = false;
  setHandler(grantExpiryChangedSignal, () => void (woken = true));
  setHandler(grantClosedSignal, () => void (woken = true));
  setHandler(grantRemainingChangedSignal, () => void (woken = true));
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
    // usedUp is absent from results recorded before the rule, so old histories never reach patched().
    // A signal during the read (a refill right after the use) means the read may be stale: look again.
    if (grant.usedUp && !woken && patched(END_TIMER_WHEN_USED_UP)) return { outcome: 'used_up', expired: '0' };
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
