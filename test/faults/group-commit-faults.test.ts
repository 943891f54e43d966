import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { createGroupCommit, deduct, DomainError, issueGrant, type DeductResult } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * Group commit under faults, each of its two failure paths for real:
 * - the server refuses a batch (a backend cancelled mid-batch, 57014): the
 *   batch rolled back, each operation runs again alone;
 * - the session is lost (a backend terminated mid-batch, 57P01, or the
 *   client's socket destroyed mid-batch, no SQLSTATE at all): the batch may
 *   have committed (a destroyed socket leaves the server to finish and commit
 *   it), nothing is re-run, each caller retries with its key.
 * Either way every key ends with exactly one ledger transaction, and the
 * ledger holds no burn that no caller was told of.
 */
const f = useLedgerFixture();

interface Request {
  account: string;
  key: string;
  amount: string;
}

/** A caller that retries one logical deduct with the same key until it gets a final answer (a result or a refusal). */
async function untilFinal(deps: LedgerDeps, { account, amount, key }: Request): Promise<DeductResult | DomainError> {
  for (let attempt = 1; attempt <= 400; attempt++) {
    try {
      return await deduct(deps, { accountId: account, creditType: 'ai', amount }, { ...actor, idempotencyKey: key });
    } catch (error) {
      if (error instanceof DomainError) return error;
      // The batch was cancelled, its backend killed or its socket destroyed:
      // it committed or it did not; the key tells on the next attempt.
    }
    await new Promise((r) => setTimeout(r, 10 + Math.min(attempt, 20) * 5));
  }
  throw new Error(`${key}: no final answer after 400 attempts`);
}

/** 200 more credits on each of two hot accounts, and 200 requests between them asking for about 500: batches with refusals in them. */
async function hotLoad(accounts: string[], prefix: string): Promise<Request[]> {
  for (const id of accounts) await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '200', source: 'purchase' }, actor);
  return Array.from({ length: 200 }, (_, i) => ({ account: accounts[i % 2]!, key: `${prefix}-${i}`, amount: `${(i % 3) + 1}.50` }));
}

const units = (amount: string) => BigInt(amount.replace('.', ''));

/** Exactly once per key, read back from the ledger: a double burn, under the key or without one, fails here. */
async function expectExactlyOnce(accounts: string[], requests: Request[], results: (DeductResult | DomainError)[]): Promise<void> {
  const stored = await f.deps.db
    .selectFrom('ledger_transactions')
    .select(['id', 'idempotency_key', 'result'])
    .where('account_id', 'in', accounts)
    .where('kind', '=', 'deduct')
    .execute();
  const accepted = requests.filter((_, i) => !(results[i] instanceof DomainError));
  // One transaction per accepted key, none for a refused key, none without a key.
  expect(stored.map((s) => s.idempotency_key).sort()).toEqual(accepted.map((r) => r.key).sort());
  const byKey = new Map(stored.map((s) => [s.idempotency_key, s]));
  for (const [i, result] of results.entries()) {
    const { key, amount } = requests[i]!;
    if (result instanceof DomainError) {
      expect(result.code, key).toBe('insufficient_credits');
      continue;
    }
    expect(result, key).toEqual(byKey.get(key)!.result);
    expect(result.deducted, key).toBe(amount);
  }
  // What the ledger burned is what the callers were told was burned, per account, entry by entry.
  for (const id of accounts) {
    const told = accepted.filter((r) => r.account === id).reduce((sum, r) => sum + units(r.amount), 0n);
    const burns = await f.deps.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.sum<string>('amount').as('total'))
      .where('account_id', '=', id)
      .where('entry_type', '=', 'burn')
      .executeTakeFirstOrThrow();
    const row = await f.deps.db
      .selectFrom('balances')
      .selectAll()
      .where('account_id', '=', id)
      .where('credit_type', '=', 'ai')
      .executeTakeFirstOrThrow();
    expect({ burnEntries: BigInt(burns.total ?? '0'), burned: row.burned }, id).toEqual({ burnEntries: told, burned: told });
    expect(row.balance >= 0n && row.debt === 0n, id).toBe(true);
  }
}

/** Runs `fault` every 10 ms while the load runs, until it has hit `maxHits` times; returns how many times it hit. */
async function underFault(fault: () => Promise<number>, load: () => Promise<unknown>, maxHits = 20): Promise<number> {
  let running = true;
  let hits = 0;
  const injector = (async () => {
    while (running) {
      if (hits < maxHits) hits += await fault();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    await load();
  } finally {
    running = false;
    await injector;
  }
  return hits;
}

/**
 * Rounds of hot load under the fault until `enough` says the fault hit as
 * needed (at most five rounds: a fault is a race with the batches it aims at).
 */
async function roundsUnderFault(
  deps: LedgerDeps,
  prefix: string,
  fault: () => Promise<number>,
  enough: () => boolean,
): Promise<{ accounts: string[]; requests: Request[]; results: (DeductResult | DomainError)[]; hits: number }> {
  const accounts = [await newAccount(f.deps), await newAccount(f.deps)];
  const requests: Request[] = [];
  const results: (DeductResult | DomainError)[] = [];
  let hits = 0;
  for (let round = 0; round < 5 && (round === 0 || !enough()); round++) {
    const batch = await hotLoad(accounts, `${prefix}-${round}`);
    requests.push(...batch);
    hits += await underFault(fault, async () => results.push(...(await Promise.all(batch.map((r) => untilFinal(deps, r))))));
  }
  return { accounts, requests, results, hits };
}

describe('group commit under faults', () => {
  it('backends cancelled and terminated mid-batch: both failure paths run, every key ends exactly once', async () => {
    const deps: LedgerDeps = { ...f.deps, groupCommit: createGroupCommit() };
    const { stats } = deps.groupCommit!;
    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    const landed = { cancel: 0, terminate: 0 };
    try {
      const { accounts, requests, results, hits } = await roundsUnderFault(
        deps,
        'gc-kill',
        async () => {
          // Cancel (the server refuses the batch) and terminate (the session is gone), in turn as they land.
          const kind = landed.cancel <= landed.terminate ? 'cancel' : 'terminate';
          const { rows } = await admin.query<{ ok: boolean }>(
            `select pg_${kind}_backend(pid) as ok from pg_stat_activity
             where datname = $1 and state = 'active' and query like 'select ledger_execute_batch(%'`,
            [f.database.name],
          );
          const hit = rows.filter((r) => r.ok).length;
          landed[kind] += hit;
          return hit;
        },
        () => stats.rerunAlone > 0 && stats.unanswered > 0,
      );
      expect(hits, 'the faults were injected').toBeGreaterThan(1);
      expect(stats.largest, 'operations were batched').toBeGreaterThan(1);
      expect(stats.rerunAlone, 'a cancelled batch ran again one operation at a time').toBeGreaterThan(0);
      expect(stats.unanswered, 'a terminated batch was not run again').toBeGreaterThan(0);
      await expectExactlyOnce(accounts, requests, results);
    } finally {
      await admin.end();
    }
  });

  it('client sockets destroyed mid-batch (no SQLSTATE; the server may still commit): nothing is run again, every key ends exactly once', async () => {
    // A pool of its own, whose connections the test can reach.
    const pool = createPool({ connectionString: f.database.url, poolSize: 8, applicationName: 'test-socket-faults' });
    const clients = new Set<pg.Client>();
    pool.on('connect', (client) => clients.add(client));
    pool.on('remove', (client) => clients.delete(client));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const deps: LedgerDeps = { ...f.deps, db, groupCommit: createGroupCommit() };
    const { stats } = deps.groupCommit!;
    try {
      const { accounts, requests, results, hits } = await roundsUnderFault(
        deps,
        'gc-socket',
        () => {
          let destroyed = 0;
          for (const client of clients) {
            const internals = client as unknown as { _activeQuery?: { text?: string } | null; connection: { stream: { destroy(): void } } };
            if (internals._activeQuery?.text?.startsWith('select ledger_execute_batch(')) {
              internals.connection.stream.destroy();
              destroyed++;
            }
          }
          return Promise.resolve(destroyed);
        },
        () => stats.unanswered > 0,
      );
      expect(hits, 'the faults were injected').toBeGreaterThan(0);
      expect(stats.unanswered, 'a batch whose socket was destroyed was not run again').toBeGreaterThan(0);
      expect(stats.rerunAlone).toBe(0);
      await expectExactlyOnce(accounts, requests, results);
    } finally {
      await db.destroy();
    }
  });
});
