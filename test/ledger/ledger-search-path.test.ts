import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { issueGrant } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * The ledger's entry points run with their own search_path, whatever the
 * caller's session has: a temporary table (pg_temp is searched first unless
 * it is named) or another schema's object cannot stand in for a ledger table
 * or function.
 */
const f = useLedgerFixture();

describe('ledger entry points pin their search_path', () => {
  it("a session's temporary table or schema named like a ledger table does not change what a ledger call reads", async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    const client = new pg.Client({ connectionString: f.database.url });
    await client.connect();
    try {
      await client.query('create temporary table accounts (like public.accounts)');
      await client.query('create schema if not exists shadow');
      await client.query('create table if not exists shadow.grants (like public.grants)');
      await client.query('set search_path = shadow, public');
      const op = (fn: string) => ({
        kind: 'deduct',
        accountId: acct,
        creditType: 'storage',
        amount: '1',
        allowPartial: false,
        requestHash: 'h',
        actor: 'test',
        now: f.clock.now().toISOString(),
        observers: [{ fn, args: { lowThreshold: 0, rearmPercent: 20 } }],
      });
      const single = await client.query<{ outcome: { result: { deducted: string } } }>('select ledger_execute($1::jsonb) as outcome', [
        JSON.stringify(op('notifications_balance_alerts')),
      ]);
      expect(single.rows[0]!.outcome.result).toMatchObject({ deducted: '1' });
      const batch = await client.query<{ outcomes: { result: { deducted: string } }[] }>(
        'select ledger_execute_batch($1::jsonb) as outcomes',
        [JSON.stringify([op('payments_recharge_trigger'), op('notifications_balance_alerts')])],
      );
      expect(batch.rows[0]!.outcomes.map((o) => o.result.deducted)).toEqual(['1', '1']);
      const sequence = await client.query<{ outcomes: { result: { deducted: string } }[] }>(
        'select ledger_execute_sequence($1::jsonb) as outcomes',
        [JSON.stringify([op('payments_recharge_trigger'), op('notifications_balance_alerts')])],
      );
      expect(sequence.rows[0]!.outcomes.map((o) => o.result.deducted)).toEqual(['1', '1']);
    } finally {
      await client.query('drop schema if exists shadow cascade').catch(() => undefined);
      await client.end();
    }
  });
});
