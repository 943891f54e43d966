import type { Database } from '../../../src/db/database.js';
import type { CreditTypeBalance } from '../../../src/ledger/index.js';
import { dec } from './model.js';

/**
 * A replay of the postings: folds an account pool's ledger entries up to an
 * instant with the posting table of docs/ledger-design.md, written again
 * here from the table (never from the code under test), and derives from
 * the result what a balance read at that instant must answer. Credit type
 * 'ai' (precision 2).
 */
export interface Postings {
  entries: {
    account_id: string;
    entry_type: string;
    amount: bigint;
    grant_id: string | null;
    hold_id: string | null;
    created_at: Date;
  }[];
  grants: Map<string, { account: string; source: string; priority: number; effectiveAt: Date; expiresAt: Date | null; createdAt: Date }>;
  holdAccount: Map<string, string>;
}

/** Everything the replay needs of the accounts of one pool, read once. */
export async function loadPostings(db: Database, accounts: string[]): Promise<Postings> {
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['account_id', 'entry_type', 'amount', 'grant_id', 'hold_id', 'created_at'])
    .where('account_id', 'in', accounts)
    .orderBy('id')
    .execute();
  const grants = await db.selectFrom('grants').selectAll().where('account_id', 'in', accounts).execute();
  const holds = await db.selectFrom('holds').select(['id', 'account_id']).where('account_id', 'in', accounts).execute();
  return {
    entries,
    grants: new Map(
      grants.map((g) => [
        g.id,
        {
          account: g.account_id,
          source: g.source,
          priority: g.priority,
          effectiveAt: g.effective_at,
          expiresAt: g.expires_at,
          createdAt: g.created_at,
        },
      ]),
    ),
    holdAccount: new Map(holds.map((h) => [h.id, h.account_id])),
  };
}

type Totals = { granted: bigint; burned: bigint; refunded: bigint; expired: bigint; voided: bigint };

/** The balance of `chain[0]` at `at`, with `chain` its pool (itself first, then its parents), as the replay has it. */
export function replayBalance(p: Postings, chain: string[], at: Date, overdraftLimit: bigint): CreditTypeBalance | undefined {
  const account = chain[0]!;
  const remaining = new Map<string, bigint>();
  const held = new Map<string, bigint>();
  let debt = 0n;
  let ownEntries = 0;
  const totals: Totals = { granted: 0n, burned: 0n, refunded: 0n, expired: 0n, voided: 0n };
  const add = (map: Map<string, bigint>, key: string, amount: bigint) => map.set(key, (map.get(key) ?? 0n) + amount);
  for (const e of p.entries) {
    if (e.created_at > at) continue;
    const own = e.account_id === account;
    if (own) ownEntries += 1;
    const a = e.amount;
    const g = e.grant_id;
    switch (e.entry_type) {
      case 'grant':
        add(remaining, g!, a);
        if (own) totals.granted += a;
        break;
      case 'burn':
        if (g) add(remaining, g, -a);
        else if (own) debt += a;
        if (own) totals.burned += a;
        break;
      case 'settle':
        add(remaining, g!, -a);
        if (own) debt -= a;
        break;
      case 'hold':
        add(remaining, g!, -a);
        add(held, e.hold_id!, a);
        break;
      case 'release':
        add(remaining, g!, a);
        add(held, e.hold_id!, -a);
        break;
      case 'commit':
        add(held, e.hold_id!, -a);
        if (own) totals.burned += a;
        break;
      case 'expiry':
        add(remaining, g!, -a);
        if (own) totals.expired += a;
        break;
      case 'void':
        add(remaining, g!, -a);
        if (own) totals.voided += a;
        break;
      case 'refund':
        if (g) add(remaining, g, a);
        else if (own) debt -= a;
        if (own) totals.refunded += a;
        break;
      default:
        throw new Error(`unknown entry type ${e.entry_type}`);
    }
  }
  const live = [...remaining]
    .map(([id, left]) => ({ id, left, ...p.grants.get(id)! }))
    .filter((g) => chain.includes(g.account) && g.left > 0n && (g.expiresAt === null || g.expiresAt > at));
  const burnKey = (g: (typeof live)[number]) =>
    [
      String(chain.indexOf(g.account)),
      String(g.priority).padStart(6, '0'),
      g.expiresAt === null ? '1' : `0${g.expiresAt.toISOString()}`,
      g.createdAt.toISOString(),
      g.id,
    ].join('|');
  live.sort((x, y) => (burnKey(x) < burnKey(y) ? -1 : 1));
  const spendable = live.filter((g) => g.effectiveAt <= at);
  const pending = live.filter((g) => g.account === account && g.effectiveAt > at);
  const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
  const heldNow = sum([...held].filter(([hold]) => p.holdAccount.get(hold) === account).map(([, amount]) => amount));
  if (ownEntries === 0 && overdraftLimit === 0n && live.length === 0) return undefined;
  const available = sum(spendable.map((g) => g.left)) - debt;
  return {
    creditType: 'ai',
    available: dec(available),
    held: dec(heldNow),
    pending: dec(sum(pending.map((g) => g.left))),
    total: dec(available + heldNow),
    overdraftUsed: dec(debt),
    overdraftLimit: dec(overdraftLimit),
    lifetime: {
      granted: dec(totals.granted),
      burned: dec(totals.burned),
      refunded: dec(totals.refunded),
      expired: dec(totals.expired),
      voided: dec(totals.voided),
    },
    grants: live.map((g) => ({
      id: g.id,
      accountId: g.account,
      source: g.source,
      priority: g.priority,
      remaining: dec(g.left),
      effectiveAt: g.effectiveAt.toISOString(),
      expiresAt: g.expiresAt?.toISOString() ?? null,
      spendable: g.effectiveAt <= at,
    })),
  };
}
