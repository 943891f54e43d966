import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type RootOperationNode } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import {
  createGroupCommit,
  createHold,
  deduct,
  getBalances,
  getCreditType,
  InsufficientCreditsError,
  issueGrant,
  LedgerOverloadedError,
  type DeductResult,
} from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { holdingBalanceRow, untilLedgerCallsWaitOnALock } from '../helpers/locks.js';

const f = useLedgerFixture();

const grouped = (db?: Database): LedgerDeps => ({ ...f.deps, ...(db && { db }), groupCommit: createGroupCommit() });

const fulfilled = <T>(results: PromiseSettledResult<T>[]) =>
  results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
const rejected = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);

/** The database transaction (xmin) each ledger transaction was written in. */
async function writtenIn(transactionIds: string[]): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; xid: string }>`
    select id, xmin::text as xid from ledger_transactions where id = any(${transactionIds}::text[])`.execute(f.deps.db);
  return new Map(rows.map((r) => [r.id, r.xid]));
}

async function storedResults(accountId: string) {
  return f.deps.db
    .selectFrom('ledger_transactions')
    .select(['id', 'idempotency_key', 'result'])
    .where('account_id', '=', accountId)
    .where('kind', '=', 'deduct')
    .execute();
}

/**
 * The response of every ledger_execute_batch is lost after the statement
 * committed: what a crash (or a dropped connection) between a batch's commit
 * and its responses looks like to the callers.
 */
class LoseBatchResponses implements KyselyPlugin {
  private readonly batches = new WeakSet<object>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (JSON.stringify(node).includes('ledger_execute_batch(')) this.batches.add(queryId);
    return node;
  }
  transformResult({ result, queryId }: PluginTransformResultArgs) {
    if (this.batches.has(queryId)) return Promise.reject(new Error('connection lost after commit'));
    return Promise.resolve(result);
  }
}

describe('group commit: one transaction for concurrent operations of one account', () => {
  it('a batch where one request is a 402 and the others succeed: each its own result, refusal and entries', async () => {
    const deps = grouped();
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    // Started in one turn of the event loop: one batch of five, in this order.
    const results = await Promise.allSettled(
      [3, 3, 5, 3, 1].map((n, i) =>
        deduct(deps, { accountId: acct, creditType: 'storage', amount: String(n) }, { ...actor, idempotencyKey: `batch-402-${i}` }),
      ),
    );
    expect(deps.groupCommit!.stats).toMatchObject({ transactions: 1, operations: 5, largest: 5 });
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refusal = rejected(results)[0];
    expect(refusal).toBeInstanceOf(InsufficientCreditsError);
    expect(refusal).toMatchObject({ available: '4', requested: '5', shortfall: '1' });
    const ok = fulfilled(results);
    expect(ok.map((r) => [r.deducted, r.balance.available])).toEqual([
      ['3', '7'],
      ['3', '4'],
      ['3', '1'],
      ['1', '0'],
    ]);
    // Four ledger transactions, one database transaction, an entry each.
    const xids = await writtenIn(ok.map((r) => r.transactionId));
    expect(new Set(xids.values()).size).toBe(1);
    expect(xids.size).toBe(4);
    const entries = await f.deps.db
      .selectFrom('ledger_entries')
      .select(['transaction_id', 'amount', 'idempotency_key'])
      .where('account_id', '=', acct)
      .where('entry_type', '=', 'burn')
      .orderBy('seq')
      .execute();
    expect(entries).toEqual([
      { transaction_id: ok[0]!.transactionId, amount: 3n, idempotency_key: 'batch-402-0' },
      { transaction_id: ok[1]!.transactionId, amount: 3n, idempotency_key: 'batch-402-1' },
      { transaction_id: ok[2]!.transactionId, amount: 3n, idempotency_key: 'batch-402-3' },
      { transaction_id: ok[3]!.transactionId, amount: 1n, idempotency_key: 'batch-402-4' },
    ]);
    // The refused request recorded nothing: its key runs again, and is refused again.
    expect((await storedResults(acct)).map((r) => r.idempotency_key).sort()).toEqual([
      'batch-402-0',
      'batch-402-1',
      'batch-402-3',
      'batch-402-4',
    ]);
    await expect(
      deduct(deps, { accountId: acct, creditType: 'storage', amount: '5' }, { ...actor, idempotencyKey: 'batch-402-2' }),
    ).rejects.toMatchObject({ code: 'insufficient_credits', available: '0', shortfall: '5' });
  });

  it('the same key twice in one batch executes once; a different request under a used key is refused', async () => {
    const deps = grouped();
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    const meta = { ...actor, idempotencyKey: 'same-key' };
    const results = await Promise.allSettled([
      deduct(deps, { accountId: acct, creditType: 'storage', amount: '5' }, meta),
      deduct(deps, { accountId: acct, creditType: 'storage', amount: '5' }, meta),
      deduct(deps, { accountId: acct, creditType: 'storage', amount: '4' }, meta),
    ]);
    expect(deps.groupCommit!.stats.largest).toBe(3);
    const [first, second, third] = results;
    expect(first).toMatchObject({ status: 'fulfilled', value: { deducted: '5' } });
    expect(second).toEqual(first);
    expect(third).toMatchObject({ status: 'rejected', reason: { code: 'idempotency_key_reused' } });
    expect(await storedResults(acct)).toHaveLength(1);
  });

  it('a crash between a batch commit and its responses: every retry with its key replays its own result', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    const lossy = grouped(f.deps.db.withPlugin(new LoseBatchResponses()));
    await getCreditType(lossy.db, 'storage'); // cached, so all six reach the queue in one turn
    const requests = [2, 2, 2, 2, 2, 2].map((n, i) => ({ amount: String(n), idempotencyKey: `crash-${i}` }));
    const lost = await Promise.allSettled(
      requests.map((r) => deduct(lossy, { accountId: acct, creditType: 'storage', amount: r.amount }, { ...actor, ...r })),
    );
    expect(lost.every((r) => r.status === 'rejected' && String(r.reason).includes('connection lost after commit'))).toBe(true);
    expect(lossy.groupCommit!.stats.largest).toBe(6);

    // The batch committed: five burns of 2 and one refusal, though nobody heard.
    const committed = await storedResults(acct);
    expect(committed).toHaveLength(5);
    const retries = await Promise.allSettled(
      requests.map((r) => deduct(grouped(), { accountId: acct, creditType: 'storage', amount: r.amount }, { ...actor, ...r })),
    );
    const byKey = new Map(committed.map((c) => [c.idempotency_key, c.result as DeductResult]));
    for (const [i, retry] of retries.entries()) {
      const key = requests[i]!.idempotencyKey;
      if (byKey.has(key)) expect(retry, key).toEqual({ status: 'fulfilled', value: byKey.get(key) });
      else expect(retry, key).toMatchObject({ status: 'rejected', reason: { code: 'insufficient_credits', available: '0' } });
    }
    expect(await storedResults(acct)).toHaveLength(5);
    expect((await getBalances(f.deps.db, acct, f.clock.now())).balances[0]).toMatchObject({ available: '0' });
  });

  it('1,000 concurrent deducts and holds from two processes on 100 credits: no overdraft, no lost update', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '60', source: 'promo' }, actor);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '40', source: 'purchase' }, actor);
    // Two group committers over one database: two processes, serialised by the row lock.
    const processes = [grouped(), grouped()];
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) =>
        i % 4 === 3
          ? createHold(processes[i % 2]!, { accountId: acct, creditType: 'storage', amount: '1', ttlSeconds: null }, actor).then(() => 1n)
          : deduct(processes[i % 2]!, { accountId: acct, creditType: 'storage', amount: '1' }, actor).then((r) => BigInt(r.deducted)),
      ),
    );
    for (const error of rejected(results)) expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(fulfilled(results).length).toBe(100);
    const [a, b] = processes.map((p) => p.groupCommit!.stats);
    expect(a!.operations + b!.operations).toBe(1000);
    expect(a!.transactions + b!.transactions, 'operations were batched').toBeLessThan(1000);
    const row = await f.deps.db
      .selectFrom('balances')
      .selectAll()
      .where('account_id', '=', acct)
      .where('credit_type', '=', 'storage')
      .executeTakeFirstOrThrow();
    const low = await f.deps.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.min('balance_after').as('min'))
      .where('account_id', '=', acct)
      .executeTakeFirstOrThrow();
    expect(row.balance + row.held + row.burned).toBe(100n);
    expect({ balance: row.balance, debt: row.debt, min: BigInt(low.min) }).toEqual({ balance: 0n, debt: 0n, min: 0n });
  });

  it('operations queued behind a slow transaction run with the time they are sent at, not the time they were queued at', async () => {
    const acct = await newAccount(f.deps);
    const t0 = f.clock.now();
    await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'storage', amount: '5', source: 'promo', expiresAt: new Date(t0.getTime() + 60_000) },
      actor,
    );
    const purchase = await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    const deps = grouped();
    const blocker = await holdingBalanceRow(f.database.url, acct, 'storage');
    try {
      const first = deduct(deps, { accountId: acct, creditType: 'storage', amount: '1' }, actor);
      await untilLedgerCallsWaitOnALock(f.deps.db);
      const queued = deduct(deps, { accountId: acct, creditType: 'storage', amount: '1' }, actor);
      while (deps.groupCommit!.queued === 0) await new Promise((r) => setImmediate(r));
      // The promo grant expires while the second deduct waits in the queue.
      f.clock.advance(120_000);
      await blocker.query('commit');
      await first;
      const second = await queued;
      const entries = await f.deps.db
        .selectFrom('ledger_entries')
        .select(['grant_id', 'created_at'])
        .where('transaction_id', '=', second.transactionId)
        .execute();
      expect(entries).toEqual([{ grant_id: purchase.id, created_at: f.clock.now() }]);
    } finally {
      await blocker.end();
    }
  });

  it('bounded queues: beyond the per-account or the total limit an operation is refused at once (LedgerOverloadedError, 503)', async () => {
    const [a, b] = [await newAccount(f.deps), await newAccount(f.deps)];
    for (const accountId of [a, b])
      await issueGrant(f.deps, { accountId, creditType: 'storage', amount: '100', source: 'purchase' }, actor);
    const deps = { ...f.deps, groupCommit: createGroupCommit({ maxQueuedPerKey: 3, maxQueued: 4 }) };
    const blockers = [await holdingBalanceRow(f.database.url, a, 'storage'), await holdingBalanceRow(f.database.url, b, 'storage')];
    try {
      const one = (accountId: string) => deduct(deps, { accountId, creditType: 'storage', amount: '1' }, actor);
      // In flight, each blocked on its balance row: not queued.
      const inFlight = [one(a)];
      await untilLedgerCallsWaitOnALock(f.deps.db);
      inFlight.push(one(b));
      await untilLedgerCallsWaitOnALock(f.deps.db, 2);
      const queuedA = [one(a), one(a), one(a)];
      await expect(one(a), 'per-account limit').rejects.toBeInstanceOf(LedgerOverloadedError);
      const queuedB = [one(b)];
      const overTotal = one(b);
      await expect(overTotal, 'total limit').rejects.toMatchObject({ code: 'ledger_overloaded', retryAfterSeconds: 1 });
      for (const blocker of blockers) await blocker.query('commit');
      const done = await Promise.all([...inFlight, ...queuedA, ...queuedB]);
      expect(done.map((r) => r.deducted)).toEqual(['1', '1', '1', '1', '1', '1']);
      // Once the queues drained, operations are accepted again.
      await expect(one(a)).resolves.toMatchObject({ deducted: '1' });
    } finally {
      for (const blocker of blockers) await blocker.end();
    }
  });
});
