import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { createGroupCommit, deduct, DomainError, issueGrant, type DeductResult } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();

/** A caller that retries one logical deduct with the same key until it gets a final answer (a result or a refusal). */
async function untilFinal(deps: LedgerDeps, accountId: string, amount: string, key: string): Promise<DeductResult | DomainError> {
  for (let attempt = 1; attempt <= 400; attempt++) {
    try {
      return await deduct(deps, { accountId, creditType: 'ai', amount }, { ...actor, idempotencyKey: key });
    } catch (error) {
      if (error instanceof DomainError) return error;
      // The backend was killed mid-batch, or the connection with it: the batch
      // committed or it did not; the key tells on the next attempt.
    }
    await new Promise((r) => setTimeout(r, 10 + Math.min(attempt, 20) * 5));
  }
  throw new Error(`${key}: no final answer after 400 attempts`);
}

describe('PostgreSQL backends killed under group-committed load', () => {
  it('every key ends with exactly one ledger transaction of its amount, and hot accounts never overdraw', async () => {
    const deps: LedgerDeps = { ...f.deps, groupCommit: createGroupCommit() };
    const accounts = await Promise.all(Array.from({ length: 2 }, () => newAccount(f.deps)));
    for (const id of accounts) await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '200', source: 'purchase' }, actor);

    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    let killing = true;
    let killed = 0;
    const killer = (async () => {
      while (killing) {
        const result = await admin.query(
          'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [f.database.name],
        );
        killed += result.rows.filter((r: { ok: boolean }) => r.ok).length;
        await new Promise((r) => setTimeout(r, 40));
      }
    })();

    // 200 requests on two hot accounts, more than their credits: batches with refusals in them.
    const requests = Array.from({ length: 200 }, (_, i) => ({
      account: accounts[i % 2]!,
      key: `gc-kill-${i}`,
      amount: `${(i % 3) + 1}.50`,
    }));
    const results = await Promise.all(requests.map((r) => untilFinal(deps, r.account, r.amount, r.key)));
    killing = false;
    await killer;
    await admin.end();

    expect(killed, 'the fault was injected').toBeGreaterThan(0);
    expect(deps.groupCommit!.stats.largest, 'operations were batched').toBeGreaterThan(1);
    const stored = await f.deps.db
      .selectFrom('ledger_transactions')
      .select(['idempotency_key', 'result'])
      .where('account_id', 'in', accounts)
      .where('kind', '=', 'deduct')
      .execute();
    const byKey = new Map(stored.map((s) => [s.idempotency_key, s.result as DeductResult]));
    expect(byKey.size).toBe(stored.length);
    for (const [i, result] of results.entries()) {
      const { key, amount } = requests[i]!;
      if (result instanceof DomainError) {
        expect(result.code, key).toBe('insufficient_credits');
        expect(byKey.has(key), key).toBe(false);
        continue;
      }
      expect(result, key).toEqual(byKey.get(key));
      expect(result.deducted, key).toBe(amount);
      const entries = await f.deps.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.sum<string>('amount').as('total'))
        .where('transaction_id', '=', result.transactionId)
        .executeTakeFirstOrThrow();
      expect(BigInt(entries.total), key).toBe(BigInt(amount.replace('.', '')));
    }
    for (const id of accounts) {
      const row = await f.deps.db
        .selectFrom('balances')
        .selectAll()
        .where('account_id', '=', id)
        .where('credit_type', '=', 'ai')
        .executeTakeFirstOrThrow();
      expect(row.balance >= 0n && row.debt === 0n, id).toBe(true);
    }
  });
});
