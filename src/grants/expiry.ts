import { inTransaction } from '../db/transaction.js';
import { findGrant, fromUnits, getCreditType, type LedgerDeps, type LedgerObserver } from '../ledger/index.js';
import { expireGrant } from '../observability/measured-ledger.js';
import { NotFoundError } from '../errors.js';
import { writeOutboxEvent } from '../outbox/outbox.js';

/**
 * Ledger deps whose clock never reads earlier than `at`, the instant a
 * workflow timer fired. A worker clock a little behind the Temporal server (or
 * a test clock behind time-skipping time) must not make a timer that fired at
 * the expiry instant find the grant "not yet due".
 */
export function clockAtLeast(ledger: LedgerDeps, at: string): LedgerDeps {
  const floor = new Date(at);
  return {
    ...ledger,
    clock: () => {
      const now = ledger.clock();
      return now > floor ? now : floor;
    },
  };
}

/** Writes `grant.expired` in the transaction of the expiry entry. */
const expiredEventObserver: LedgerObserver = async ({ tx, kind, accountId, creditType, now, result }) => {
  if (kind !== 'expiry') return;
  const { grantId, expired, status } = result as { grantId: string; expired: string; status: string };
  if (status !== 'expired') return;
  const grant = await findGrant(tx, grantId);
  await writeOutboxEvent(tx, {
    id: `grant.expired:${grantId}`,
    accountId,
    type: 'grant.expired',
    occurredAt: now,
    payload: {
      grantId,
      accountId,
      creditType,
      expired,
      source: grant.source,
      expiresAt: grant.expires_at?.toISOString() ?? null,
      costBasis: grant.cost_basis_currency ? { minor: String(grant.cost_basis_minor), currency: grant.cost_basis_currency } : null,
    },
  });
};

export function withExpiryEvents(ledger: LedgerDeps): LedgerDeps {
  return { ...ledger, observers: [...(ledger.observers ?? []), expiredEventObserver] };
}

export interface GrantExpiryState {
  status: string;
  expiresAt: string | null;
  remaining: string;
  /** Nothing left to expire: the timer may end (a refill starts it again). */
  usedUp: boolean;
}

/** What the expiry timer needs to know about a grant; null when there is no such grant. */
export async function readGrantExpiryState(ledger: LedgerDeps, grantId: string): Promise<GrantExpiryState | null> {
  try {
    const grant = await findGrant(ledger.db, grantId);
    const creditType = await getCreditType(ledger.db, grant.credit_type);
    return {
      status: grant.status,
      expiresAt: grant.expires_at?.toISOString() ?? null,
      remaining: fromUnits(creditType, grant.remaining),
      usedUp: grant.remaining === 0n,
    };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

export type ExpireOutcome = { status: 'expired' | 'voided' | 'missing'; expired: string } | { status: 'not_due'; expiresAt: string | null };

/**
 * Expires a grant whose expiry instant has come by `at` (the instant its timer
 * fired) or by the ledger clock. The expiry entry is dated at the grant's
 * expiry instant, not at whenever a worker got to it: breakage belongs to the
 * instant the credits stopped being spendable (the ledger still never dates an
 * entry before the newest entry of its chain). Safe to repeat: expireGrant only
 * acts once, and no idempotency key is passed on purpose, since an early call
 * must not store a zero result for later ones. `not_due` tells the timer to
 * look again (the expiry was moved, or the clocks disagree).
 */
export async function expireGrantAsOf(ledger: LedgerDeps, grantId: string, at: string, actor: string): Promise<ExpireOutcome> {
  const state = await readGrantExpiryState(ledger, grantId);
  if (state === null) return { status: 'missing', expired: '0' };
  const now = clockAtLeast(ledger, at).clock();
  if (state.status === 'active' && (state.expiresAt === null || new Date(state.expiresAt) > now)) {
    return { status: 'not_due', expiresAt: state.expiresAt };
  }
  const asOf = state.expiresAt ?? now.toISOString();
  const result = await expireGrant(withExpiryEvents({ ...ledger, clock: () => new Date(asOf) }), grantId, {
    actor,
    reason: 'grant expiry',
  });
  if (result.status === 'expired' || result.status === 'voided') return { status: result.status, expired: result.expired };
  // The expiry moved later between the read and the locked write.
  return { status: 'not_due', expiresAt: (await readGrantExpiryState(ledger, grantId))?.expiresAt ?? null };
}

/** `grant.expiring` for a grant that still has credits, once per expiry instant. */
export async function recordGrantExpiring(ledger: LedgerDeps, grantId: string, expiresAt: string, at: string): Promise<boolean> {
  return inTransaction(ledger.db, async (tx) => {
    const grant = await findGrant(tx, grantId);
    if (grant.status !== 'active' || grant.remaining === 0n || grant.expires_at?.toISOString() !== expiresAt) return false;
    const creditType = await getCreditType(ledger.db, grant.credit_type);
    await writeOutboxEvent(tx, {
      id: `grant.expiring:${grantId}:${expiresAt}`,
      accountId: grant.account_id,
      type: 'grant.expiring',
      occurredAt: new Date(at),
      payload: {
        grantId,
        accountId: grant.account_id,
        creditType: grant.credit_type,
        remaining: fromUnits(creditType, grant.remaining),
        expiresAt,
      },
    });
    return true;
  });
}

/**
 * The safety net behind the per-grant timers: expires active grants already
 * past their expiry, oldest first. Returns how many it expired.
 */
export async function sweepExpiredGrants(ledger: LedgerDeps, limit: number, at: string): Promise<number> {
  const now = clockAtLeast(ledger, at).clock();
  const due = await ledger.db
    .selectFrom('grants')
    .select('id')
    .where('status', '=', 'active')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  let expired = 0;
  for (const { id } of due) {
    const outcome = await expireGrantAsOf(ledger, id, at, 'system:grant-expiry-sweep');
    if (outcome.status === 'expired') expired++;
  }
  return expired;
}
