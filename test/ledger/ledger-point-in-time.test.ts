import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  commitHold,
  createHold,
  deduct,
  DomainError,
  expireGrant,
  getBalances,
  getBalancesAt,
  issueGrant,
  refundBurn,
  releaseHold,
  voidGrant,
} from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { dec } from './model/model.js';
import { loadPostings, replayBalance } from './model/replay.js';

/**
 * R-L6 against a replay of the ledger: a seeded random sequence of operations
 * on a pool (a child with an overdraft limit drawing on its parent's
 * grants), then, at past instants between the operations, the point-in-time
 * balance of both accounts must equal what folding their entries up to that
 * instant gives (test/ledger/model/replay.ts): available, held, pending,
 * debt, the overdraft limit, the lifetime totals and the live grants of the
 * pool in burn order.
 *
 * Replay a failure with the seed and path fast-check prints:
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run test/ledger/ledger-point-in-time.test.ts
 */
const f = useLedgerFixture();
const seed = process.env.FC_SEED === undefined ? 20_261_129 : Number(process.env.FC_SEED);
const path = process.env.FC_PATH;

// Grants larger than spends, so that holds and deducts mostly find credits.
const amount = fc.bigInt({ min: 1n, max: 3_000n });
const op = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    toParent: fc.boolean(),
    amount: fc.bigInt({ min: 1n, max: 20_000n }),
    priority: fc.constantFrom(10, 50, 100),
    delay: fc.option(fc.constantFrom(30_000, 600_000), { freq: 4 }),
    life: fc.option(fc.constantFrom(60_000, 900_000), { freq: 2 }),
  }),
  fc.record({ kind: fc.constant('deduct' as const), byParent: fc.boolean(), amount, allowPartial: fc.boolean() }),
  fc.record({ kind: fc.constant('hold' as const), amount }),
  fc.record({ kind: fc.constant('commit' as const), i: fc.nat(), all: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('refund' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('void' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 1_000, 60_000, 600_000) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  parent: string;
  child: string;
  grants: string[];
  holds: string[];
  burns: { account: string; txId: string }[];
}

async function apply(run: Run, o: Op): Promise<void> {
  const pick = <T>(xs: T[], i: number) => xs[i % xs.length];
  const now = f.clock.now().getTime();
  switch (o.kind) {
    case 'grant': {
      const effectiveAt = o.delay === null ? undefined : new Date(now + o.delay);
      const expiresAt = o.life === null ? null : new Date((effectiveAt?.getTime() ?? now) + o.life);
      const input = { creditType: 'ai', amount: dec(o.amount), source: 'promo' as const, priority: o.priority, effectiveAt, expiresAt };
      run.grants.push((await issueGrant(f.deps, { accountId: o.toParent ? run.parent : run.child, ...input }, actor)).id);
      return;
    }
    case 'deduct': {
      const account = o.byParent ? run.parent : run.child;
      const result = await deduct(
        f.deps,
        { accountId: account, creditType: 'ai', amount: dec(o.amount), allowPartial: o.allowPartial },
        actor,
      );
      run.burns.push({ account, txId: result.transactionId });
      return;
    }
    case 'hold':
      run.holds.push(
        (await createHold(f.deps, { accountId: run.child, creditType: 'ai', amount: dec(o.amount), ttlSeconds: 600 }, actor)).id,
      );
      return;
    case 'commit': {
      const hold = pick(run.holds, o.i);
      if (!hold) return;
      const view = await commitHold(f.deps, hold, o.all ? undefined : '0.01', actor);
      run.burns.push({ account: run.child, txId: view.closedTransactionId! });
      return;
    }
    case 'release': {
      const hold = pick(run.holds, o.i);
      if (hold) await releaseHold(f.deps, hold, actor);
      return;
    }
    case 'refund': {
      const burn = pick(run.burns, o.i);
      if (burn) await refundBurn(f.deps, { accountId: burn.account, transactionId: burn.txId }, actor);
      return;
    }
    case 'void': {
      const grant = pick(run.grants, o.i);
      if (grant) await voidGrant(f.deps, grant, actor);
      return;
    }
    case 'expire': {
      const grant = pick(run.grants, o.i);
      if (grant) await expireGrant(f.deps, grant, actor);
      return;
    }
    case 'advance':
      f.clock.advance(o.ms);
  }
}

it('gives at past instants the balances a replay of the entries gives, pool parents, overdraft and lifetime totals included', async () => {
  let checked = 0;
  // Which operations went through at least once (a refusal does not count): the runs must reach them all.
  const applied = new Set<string>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(0n, 1_500n), fc.array(op, { minLength: 10, maxLength: 40 }), async (limit, ops) => {
      f.clock.advance(86_400_000);
      const parent = await newAccount(f.deps);
      const child = await newAccount(f.deps, { parentId: parent, ...(limit > 0n && { overdraftLimit: { ai: dec(limit) } }) });
      const run: Run = { parent, child, grants: [], holds: [], burns: [] };
      // Instants to look back at: before anything, then after every operation and half-way to the next.
      const instants = [new Date(f.clock.now().getTime() - 1)];
      for (const o of ops) {
        try {
          await apply(run, o);
          applied.add(o.kind);
        } catch (error) {
          // A refusal (402, 409, …) writes nothing; anything else is a failure.
          if (!(error instanceof DomainError)) throw error;
        }
        instants.push(f.clock.now());
        f.clock.advance(500);
        instants.push(new Date(f.clock.now().getTime() - 250));
      }

      const postings = await loadPostings(f.deps.db, [parent, child]);
      for (const at of instants) {
        for (const [chain, accountLimit] of [
          [[child, parent], limit],
          [[parent], 0n],
        ] as const) {
          const read = await getBalancesAt(f.deps.db, chain[0], at);
          const expected = replayBalance(postings, [...chain], at, accountLimit);
          expect(read.balances, `${chain[0]} at ${at.toISOString()}`).toEqual(expected ? [expected] : []);
          checked += 1;
        }
      }
      // At the last instant nothing happened since: the point-in-time read is the current one, except
      // that the current one also shows a balance row an operation of the pool created without an
      // entry in it (a hold creates the rows of its whole pool); when it was created is not kept.
      const now = f.clock.now();
      const empty = (b: { lifetime: Record<string, string>; grants: unknown[]; overdraftLimit: string; held: string }) =>
        b.grants.length === 0 && b.overdraftLimit === '0.00' && b.held === '0.00' && Object.values(b.lifetime).every((v) => v === '0.00');
      for (const account of [child, parent]) {
        const current = (await getBalances(f.deps.db, account, now)).balances.filter((b) => !empty(b));
        expect((await getBalancesAt(f.deps.db, account, now)).balances).toEqual(current);
      }
    }),
    // 12 runs of up to 40 operations, each looked at from up to 81 instants.
    { seed, path, numRuns: 12 },
  );
  expect(checked).toBeGreaterThan(500);
  expect([...applied].sort()).toEqual(['advance', 'commit', 'deduct', 'expire', 'grant', 'hold', 'refund', 'release', 'void']);
}, 300_000);
