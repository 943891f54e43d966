import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import {
  commitHold,
  ConflictError,
  createHold,
  deduct,
  getHold,
  InsufficientCreditsError,
  issueGrant,
  releaseHold,
  sweepExpiredHolds,
} from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { fulfilled, ledgerProbes, rejected } from '../helpers/ledger-probes.js';
import { mulberry32 } from '../helpers/random.js';

const f = useLedgerFixture();

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const SEEDS = process.env.CONCURRENCY_SEED ? [Number(process.env.CONCURRENCY_SEED)] : [1, 2, 3];

const { balanceOf, ledgerState } = ledgerProbes(f);

// A separate pool of exactly 50 connections for the big race, so the claim
// "over 50 connections" is checked (pool.totalCount), not assumed.
let pool50: pg.Pool;
let deps50: LedgerDeps;
beforeAll(() => {
  pool50 = createPool({ connectionString: f.database.url, poolSize: 50, applicationName: 'test-concurrency-50' });
  deps50 = { ...f.deps, db: new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool50 }) }) };
});
afterAll(async () => {
  await deps50?.db.destroy();
});

describe('no overdraft under concurrency', () => {
  it.each(SEEDS)('1,000 concurrent deducts of 1 against exactly 100 credits: exactly 100 succeed (seed %i)', async (seed) => {
    const rand = mulberry32(seed);
    const why = `seed ${seed} (replay with CONCURRENCY_SEED=${seed})`;
    const acct = await newAccount(f.deps);
    // Spread the 100 credits over 1–4 grants of random priority and expiry, so
    // the race also crosses from one grant to the next.
    let left = 100n;
    const grants = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < grants; i++) {
      // Each grant but the last takes from 1 to about half of what is left.
      const amount = i === grants - 1 ? left : 1n + (BigInt(Math.floor(rand() * 1000)) % left) / 2n;
      if (amount === 0n) continue;
      left -= amount;
      const expiresAt = rand() < 0.5 ? new Date(f.clock.now().getTime() + 3_600_000 * (1 + Math.floor(rand() * 48))) : null;
      await issueGrant(
        f.deps,
        { accountId: acct, creditType: 'storage', amount: amount.toString(), source: 'promo', priority: Math.floor(rand() * 3), expiresAt },
        actor,
      );
    }
    expect((await balanceOf(acct))?.available, why).toBe('100');

    // All-or-nothing and allowPartial deducts mixed in a seeded order: both must stop at 0.
    const requests = shuffle(
      Array.from({ length: 1000 }, (_, i) => ({ allowPartial: i % 3 === 0 })),
      rand,
    );
    const results = await Promise.allSettled(
      requests.map((r) => deduct(deps50, { accountId: acct, creditType: 'storage', amount: '1', ...r }, actor)),
    );
    expect(pool50.totalCount, `${why}: the race ran over the whole pool`).toBe(50);

    const ok = fulfilled(results);
    expect(ok.length, why).toBe(100);
    expect(
      ok.every((r) => r.deducted === '1'),
      why,
    ).toBe(true);
    for (const error of rejected(results)) expect(error, why).toBeInstanceOf(InsufficientCreditsError);
    // Serialised by the balance lock, each success saw a different balance: 99, 98, …, 0, each exactly once.
    const after = ok.map((r) => BigInt(r.balance.available)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(after, why).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));

    const { row, minBalance } = await ledgerState(acct);
    expect({ balance: row.balance, burned: row.burned, debt: row.debt, minBalance }, why).toEqual({
      balance: 0n,
      burned: 100n,
      debt: 0n,
      minBalance: 0n,
    });
    expect(await balanceOf(acct), why).toMatchObject({ available: '0', held: '0', overdraftUsed: '0' });
  });

  it('pooled children and their parent race: each credit burns once, overdraft stops at its limit', async () => {
    const rand = mulberry32(7);
    const parent = await newAccount(f.deps);
    const a = await newAccount(f.deps, { parentId: parent });
    const b = await newAccount(f.deps, { parentId: parent, overdraftLimit: { storage: '5' } });
    for (const [accountId, amount] of [
      [parent, '50'],
      [a, '10'],
      [b, '10'],
    ] as const) {
      await issueGrant(f.deps, { accountId, creditType: 'storage', amount, source: 'purchase' }, actor);
    }
    const initiators = shuffle([...Array<string>(100).fill(a), ...Array<string>(100).fill(b), ...Array<string>(100).fill(parent)], rand);
    const results = await Promise.allSettled(
      initiators.map((accountId) => deduct(f.deps, { accountId, creditType: 'storage', amount: '1' }, actor)),
    );
    for (const error of rejected(results)) expect(error).toBeInstanceOf(InsufficientCreditsError);
    // 300 requests of 1 drain every grant (70) and b's overdraft (5), and nothing more.
    expect(fulfilled(results).length).toBe(75);

    const [p, sa, sb] = await Promise.all([ledgerState(parent), ledgerState(a), ledgerState(b)]);
    expect([p.row.burned, sa.row.burned, sb.row.burned]).toEqual([50n, 10n, 15n]);
    expect([p.minBalance, sa.minBalance, sb.minBalance]).toEqual([0n, 0n, -5n]);
    expect(await balanceOf(parent)).toMatchObject({ available: '0' });
    expect(await balanceOf(a)).toMatchObject({ available: '0' });
    expect(await balanceOf(b)).toMatchObject({ available: '-5', overdraftUsed: '5' });
  });

  it('holds, commits, releases and deducts race on one account: no overdraft, every burn accounted for', async () => {
    const rand = mulberry32(11);
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '120', source: 'promo' }, actor);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '80', source: 'purchase' }, actor);

    /** Each operation resolves to what it burned. */
    const holdThenClose = async (commit: bigint | null): Promise<bigint> => {
      // ttlSeconds null: the TTL sweeper in the race test below must not see these holds.
      const hold = await createHold(f.deps, { accountId: acct, creditType: 'storage', amount: '4', ttlSeconds: null }, actor);
      const closed =
        commit === null ? await releaseHold(f.deps, hold.id, actor) : await commitHold(f.deps, hold.id, commit.toString(), actor);
      return BigInt(closed.committedAmount ?? '0');
    };
    const ops = shuffle(
      [
        ...Array.from({ length: 60 }, () => () => holdThenClose(BigInt(Math.floor(rand() * 5)))),
        ...Array.from({ length: 20 }, () => () => holdThenClose(null)),
        ...Array.from({ length: 100 }, () => async () => {
          const r = await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '2' }, actor);
          return BigInt(r.deducted);
        }),
      ],
      rand,
    );
    const results = await Promise.allSettled(ops.map((op) => op()));
    // Only createHold and deduct may be refused (402); a hold once made is this chain's alone, so closing it never fails.
    for (const error of rejected(results)) expect(error).toBeInstanceOf(InsufficientCreditsError);
    const burnedByResults = fulfilled(results).reduce((sum, burned) => sum + burned, 0n);
    // Demand (60·4 + 20·4 + 100·2 = 520) exceeds the 200 credits, so the race is real.
    expect(rejected(results).length).toBeGreaterThan(0);

    const { row, minBalance, minHeld } = await ledgerState(acct);
    expect({ burned: row.burned, held: row.held, balance: row.balance, debt: row.debt }).toEqual({
      burned: burnedByResults,
      held: 0n,
      balance: 200n - burnedByResults,
      debt: 0n,
    });
    expect(minBalance >= 0n && minHeld >= 0n).toBe(true);
    expect(await balanceOf(acct)).toMatchObject({ available: (200n - burnedByResults).toString(), held: '0' });
  });
});

describe('a commit racing the end of its hold', () => {
  it('exactly one of commit and release / TTL sweep / late commit wins, 200 times', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '1000', source: 'purchase' }, actor);
    const wins = { committed: 0, released: 0, expired: 0 };
    for (let i = 0; i < 200; i++) {
      const hold = await createHold(f.deps, { accountId: acct, creditType: 'storage', amount: '2', ttlSeconds: 60 }, actor);
      const ttlEnd = new Date(hold.expiresAt!).getTime();
      // The file's clock never moves here: each side gets its own clock, as
      // separate processes would. Before the TTL ends a commit is allowed; at
      // its end the sweeper is. Only the hold's lock decides who wins.
      const at = (ms: number): LedgerDeps => ({ ...f.deps, clock: () => new Date(ms) });
      const variant = i % 3;
      const commitClock = variant === 2 ? ttlEnd : ttlEnd - 1;
      const commit = () => commitHold(at(commitClock), hold.id, '1', actor);
      const rival = () => (variant === 1 ? sweepExpiredHolds(at(ttlEnd), 10) : releaseHold(at(ttlEnd - 1), hold.id, actor).then(() => 1));
      // Whoever starts first has a head start; take turns so both sides get to win.
      const [c, r] =
        Math.floor(i / 3) % 2 === 0
          ? await Promise.allSettled([commit(), rival()])
          : await Promise.allSettled([rival(), commit()]).then(([x, y]) => [y, x] as const);
      const outcome = (x: PromiseSettledResult<unknown>) => (x.status === 'fulfilled' ? JSON.stringify(x.value) : String(x.reason));
      const why = `iteration ${i} (variant ${variant}): commit ${outcome(c)}, rival ${outcome(r)}`;

      expect(r.status === 'rejected' ? r.reason : null, why).toSatisfy(
        (e) => e === null || (e instanceof ConflictError && e.code === 'hold_not_active'),
      );
      // The sweeper skips a hold that is no longer active: it reports 0 instead of failing.
      // 1: it released this hold; more would mean it found a hold some earlier iteration left open.
      if (r.status === 'fulfilled') expect([0, 1], why).toContain(r.value);
      const rivalWon = r.status === 'fulfilled' && r.value === 1;
      expect(Number(c.status === 'fulfilled') + Number(rivalWon), why).toBe(1);
      // A commit at the TTL's end must never win, whoever goes first.
      if (variant === 2) expect(c.status, why).toBe('rejected');
      if (c.status === 'rejected') {
        // A commit at the TTL's end is refused as expired, unless the rival closed the hold first.
        const allowed = variant === 2 ? ['hold_expired', 'hold_not_active'] : ['hold_not_active'];
        expect(c.reason, why).toBeInstanceOf(ConflictError);
        expect(allowed, why).toContain((c.reason as ConflictError).code);
      }
      const status = (await getHold(f.deps.db, hold.id)).status;
      expect(status, why).toBe(c.status === 'fulfilled' ? 'committed' : variant === 1 ? 'expired' : 'released');
      wins[status as keyof typeof wins]++;
    }
    expect(await balanceOf(acct)).toMatchObject({ available: (1000n - BigInt(wins.committed)).toString(), held: '0' });
    const { row } = await ledgerState(acct);
    expect(row.burned).toBe(BigInt(wins.committed));
  });
});
