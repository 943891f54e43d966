/** The in-memory model of one account and one credit type that test/ledger/ledger-model.test.ts runs against the real ledger. */

// ---- the model (amounts are bigint hundredths) --------------------------------

export interface MGrant {
  id: string;
  remaining: bigint;
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  status: 'active' | 'voided' | 'expired';
  /** Creation order: the burn order's last tie-breaks (created_at, then id) follow it. */
  seq: number;
}
export interface MHold {
  id: string;
  amount: bigint;
  allocs: { grant: MGrant; amount: bigint }[];
  expiresAt: number | null;
  status: 'active' | 'committed' | 'released' | 'expired';
}
/** A deduct or commit: what it burned per source (null: the overdraft), and what refunds returned so far. */
export interface MBurn {
  txId: string;
  parts: { grant: MGrant | null; amount: bigint; refunded: bigint }[];
}
export interface Model {
  now: number;
  limit: bigint;
  debt: bigint;
  grants: MGrant[];
  holds: MHold[];
  burns: MBurn[];
  totals: { granted: bigint; burned: bigint; refunded: bigint; expired: bigint; voided: bigint };
}
/** A new account's model at `now` (ms) with an overdraft limit in units. */
export function emptyModel(now: number, limit: bigint): Model {
  return {
    now,
    limit,
    debt: 0n,
    grants: [],
    holds: [],
    burns: [],
    totals: { granted: 0n, burned: 0n, refunded: 0n, expired: 0n, voided: 0n },
  };
}

export interface Real {
  accountId: string;
}

export const min = (a: bigint, b: bigint) => (a < b ? a : b);
export const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
/** Written here rather than imported, so the model does not borrow the formatter under test. */
export function dec(units: bigint): string {
  const abs = units < 0n ? -units : units;
  return `${units < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export const live = (g: MGrant, now: number) => g.status === 'active' && (g.expiresAt === null || g.expiresAt > now);
export const spendable = (g: MGrant, now: number) => live(g, now) && g.effectiveAt <= now && g.remaining > 0n;
/** Burn order: lower priority first, then soonest expiry (never-expiring last), then oldest. */
export function burnOrder(grants: MGrant[]): MGrant[] {
  return [...grants].sort((a, b) => a.priority - b.priority || (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.seq - b.seq);
}
export const funds = (m: Model) => sum(m.grants.filter((g) => spendable(g, m.now)).map((g) => g.remaining));

/** Pays the debt from spendable grants in burn order, as every grant, deduct and hold does first. */
export function settle(m: Model): void {
  for (const g of burnOrder(m.grants.filter((x) => spendable(x, m.now)))) {
    const take = min(g.remaining, m.debt);
    g.remaining -= take;
    m.debt -= take;
  }
}

export function take(m: Model, amount: bigint): { grant: MGrant; amount: bigint }[] {
  const parts = [];
  let left = amount;
  for (const g of burnOrder(m.grants.filter((x) => spendable(x, m.now)))) {
    if (left === 0n) break;
    const t = min(g.remaining, left);
    g.remaining -= t;
    left -= t;
    parts.push({ grant: g, amount: t });
  }
  return parts;
}

/** Commits `commit` of a hold in burn order and releases the rest; what returns to a dead grant dies with it. */
export function closeHold(m: Model, hold: MHold, commit: bigint, status: MHold['status']): MBurn['parts'] {
  const parts: MBurn['parts'] = [];
  let left = commit;
  for (const { grant: g, amount } of burnOrder(hold.allocs.map((a) => a.grant)).map((g) => hold.allocs.find((a) => a.grant === g)!)) {
    const c = min(left, amount);
    left -= c;
    if (c > 0n) parts.push({ grant: g, amount: c, refunded: 0n });
    if (amount - c > 0n) {
      g.remaining += amount - c;
      if (!live(g, m.now)) {
        m.totals[g.status === 'voided' ? 'voided' : 'expired'] += g.remaining;
        g.remaining = 0n;
        if (g.status === 'active') g.status = 'expired';
      }
    }
  }
  m.totals.burned += commit;
  hold.status = status;
  return parts;
}
