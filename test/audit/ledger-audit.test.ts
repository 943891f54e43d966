import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyAccountChains } from '../../src/audit/chain-verify.js';
import { anchorKeyOf } from '../../src/auth/secret-box.js';
import { commitHold, createHold, deduct, getBalancesAt, issueGrant, refundBurn } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { usageEvent } from '../finance/helpers.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('tamper evidence (R-A3)', () => {
  it('names the row a superuser edited behind the append-only trigger, over HTTP and from the CLI function', async () => {
    const a = await newAccount(f.deps);
    await issueGrant(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '100', source: 'purchase', costBasis: { amount: '5.00', currency: 'USD' } },
      actor,
    );
    for (const amount of ['1', '2', '3']) await deduct(f.deps, { accountId: a, creditType: 'ai', amount }, actor);
    expect((await call(api, 'GET', `/v1/accounts/${a}/ledger/verify`)).body).toMatchObject({
      ok: true,
      chains: [{ creditType: 'ai', entries: '4', ok: true, firstBroken: null }],
    });

    const victim = await f.deps.db
      .selectFrom('ledger_entries')
      .select(['id', 'amount'])
      .where('account_id', '=', a)
      .where('seq', '=', 3n)
      .executeTakeFirstOrThrow();
    const edit = async (amount: bigint) => {
      await f.deps.db.connection().execute(async (conn) => {
        await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(conn);
        try {
          await sql`update ledger_entries set amount = ${amount} where account_id = ${a} and id = ${victim.id}`.execute(conn);
        } finally {
          await sql`alter table ledger_entries enable trigger ledger_entries_append_only`.execute(conn);
        }
      });
    };
    await edit(1n);
    try {
      const verified = await call(api, 'GET', `/v1/accounts/${a}/ledger/verify?creditType=ai`);
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ ok: false, chains: [{ ok: false, firstBroken: { entryId: String(victim.id) } }] });
      expect(verified.body!.chains[0].firstBroken.detail).toContain('hash does not match its contents');
      const [chain] = await verifyAccountChains(f.deps.db, anchorKeyOf({}), a);
      expect(chain!.firstBroken!.entryId).toBe(String(victim.id));
      // The trigger is back: an ordinary UPDATE is refused again.
      await expect(sql`update ledger_entries set amount = 2 where id = ${victim.id}`.execute(f.deps.db)).rejects.toThrow(/append-only/);
    } finally {
      await edit(victim.amount);
    }
    expect((await verifyAccountChains(f.deps.db, anchorKeyOf({}), a))[0]!.ok).toBe(true);
  });
});

describe('point-in-time balance (R-L6)', () => {
  it('is right at every instant after hundreds of entries and probes the time index instead of scanning', async () => {
    const a = await newAccount(f.deps);
    const start = new Date('2026-03-01T00:00:00Z');
    f.clock.set(start);
    await issueGrant(
      f.deps,
      { accountId: a, creditType: 'storage', amount: '100000', source: 'purchase', costBasis: { amount: '100.00', currency: 'USD' } },
      actor,
    );
    const expected: { at: Date; balance: bigint }[] = [];
    let balance = 100000n;
    for (let i = 1; i <= 300; i++) {
      f.clock.set(new Date(start.getTime() + i * 60_000));
      await deduct(f.deps, { accountId: a, creditType: 'storage', amount: String((i % 7) + 1) }, actor);
      balance -= BigInt((i % 7) + 1);
      if (i % 50 === 0) expected.push({ at: new Date(start.getTime() + i * 60_000 + 30_000), balance });
    }
    for (const e of expected) {
      const at = await getBalancesAt(f.deps.db, a, e.at);
      expect(at.balances[0]).toMatchObject({ creditType: 'storage', available: e.balance.toString(), held: '0' });
    }
    await sql`analyze ledger_entries`.execute(f.deps.db);
    // The per-credit-type probe of getBalancesAt (src/ledger/balances.ts), as the planner runs it.
    const plan = await sql<{ 'QUERY PLAN': unknown }>`explain (format json)
      select balance_after, held_after from ledger_entries
      where account_id = ${a} and credit_type = 'storage' and created_at <= ${expected[2]!.at}
      order by created_at desc, id desc limit 1`.execute(f.deps.db);
    const text = JSON.stringify(plan.rows[0]!['QUERY PLAN']);
    expect(text).toContain('"Index Name":"ledger_entries_time_idx"');
    expect(text).toContain('"Scan Direction":"Backward"');
    expect(text).not.toContain('Seq Scan');
  });
});

describe('dispute view (R-A2)', () => {
  it('tells the whole story of a burn: usage event, grants with cost basis, balance before and after, hold, refunds and who did it', async () => {
    const a = await newAccount(f.deps);
    f.clock.set(new Date('2026-04-01T10:00:00Z'));
    const grant = await issueGrant(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '10', source: 'purchase', costBasis: { amount: '1.00', currency: 'USD' } },
      actor,
    );
    await issueGrant(f.deps, { accountId: a, creditType: 'ai', amount: '5', source: 'promo' }, actor);
    await usageEvent(f.deps.db, a, `ue_story_${a}`, new Date('2026-04-01T09:59:00Z'), new Date('2026-04-01T10:00:00Z'));
    const burn = await deduct(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '7.5' },
      { actor: 'svc:chat', feature: 'chat', usageEventId: `ue_story_${a}`, idempotencyKey: 'burn-1' },
    );
    await refundBurn(
      f.deps,
      { accountId: a, transactionId: burn.transactionId, amount: '1' },
      { actor: 'support@example.com', reason: 'bad answer' },
    );
    const hold = await createHold(f.deps, { accountId: a, creditType: 'ai', amount: '2', feature: 'render' }, actor);
    const committed = await commitHold(f.deps, hold.id, '1.25', actor);

    const story = await call(api, 'GET', `/v1/transactions/${burn.transactionId}`);
    expect(story.status).toBe(200);
    expect(story.body).toMatchObject({
      transactionId: burn.transactionId,
      kind: 'deduct',
      accountId: a,
      cause: { actor: 'svc:chat', features: ['chat'], usageEventIds: [`ue_story_${a}`] },
      usageEvents: [{ id: `ue_story_${a}`, eventTime: '2026-04-01T09:59:00.000Z' }],
      balances: [{ accountId: a, creditType: 'ai', balanceBefore: '15.00', balanceAfter: '7.50' }],
      related: [{ kind: 'refund', actor: 'support@example.com', relation: 'follow-up' }],
    });
    expect(story.body!.entries.map((e: { type: string; amount: string }) => [e.type, e.amount])).toEqual([
      ['burn', '5.00'],
      ['burn', '2.50'],
    ]);
    expect(story.body!.grantsTouched.find((g: { id: string }) => g.id === grant.id)).toMatchObject({
      source: 'purchase',
      costBasis: { minor: '100', currency: 'USD' },
    });

    const holdStory = await call(api, 'GET', `/v1/transactions/${committed.closedTransactionId}`);
    expect(holdStory.body).toMatchObject({ holds: [{ id: hold.id, committed: '1.25', status: 'committed' }] });

    // A customer key sees its own transactions only.
    const other = await newAccount(f.deps);
    const otherKey = await api.key(['customer'], other);
    expect((await call(api, 'GET', `/v1/transactions/${burn.transactionId}`, { key: otherKey })).status).toBe(404);
    expect((await call(api, 'GET', `/v1/transactions/${burn.transactionId}`, { key: await api.key(['customer'], a) })).status).toBe(200);
    expect((await call(api, 'GET', '/v1/transactions/tx_unknown')).status).toBe(404);
  });
});

describe('GDPR (R-A4)', () => {
  it('exports everything about an account as JSON and CSV, and erasure removes personal data while the chain still verifies', async () => {
    const a = await newAccount(f.deps);
    await f.deps.db
      .updateTable('accounts')
      .set({ name: 'Jane Doe Ltd', metadata: JSON.stringify({ email: 'jane@example.com' }) })
      .where('id', '=', a)
      .execute();
    await issueGrant(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '10', source: 'purchase', costBasis: { amount: '1.00', currency: 'USD' } },
      actor,
    );
    await deduct(f.deps, { accountId: a, creditType: 'ai', amount: '3' }, { ...actor, feature: 'chat' });
    await sql`insert into usage_events (id, account_id, feature, properties, event_time, received_at, status)
      values (${`ue_gdpr_${a}`}, ${a}, 'chat', '{"prompt":"my phone is 555-0100"}'::jsonb, now(), now(), 'burned')`.execute(f.deps.db);

    const json = await call(api, 'GET', `/v1/accounts/${a}/export`, { key: await api.key(['customer'], a) });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      accountId: a,
      account: [{ id: a, name: 'Jane Doe Ltd' }],
      balances: [{ credit_type: 'ai', balance: '700' }],
    });
    expect(json.body!.ledgerEntries.map((e: { entry_type: string }) => e.entry_type)).toEqual(['grant', 'burn']);
    expect(json.body!.ledgerEntries[1].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(json.body!.grants).toHaveLength(1);
    expect(json.body!.usageEvents[0].properties).toEqual({ prompt: 'my phone is 555-0100' });
    expect(json.body!.transactions).toHaveLength(2);

    const csv = await call(api, 'GET', `/v1/accounts/${a}/export?format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('record_type,id,occurred_at,credit_type,entry_type,amount,balance_after,grant_id,feature,actor,data');
    expect(lines.filter((l) => l.startsWith('ledger_entry,'))).toHaveLength(2);
    expect(
      (await call(api, 'GET', `/v1/accounts/${a}/export`, { key: await api.key(['customer'], await newAccount(f.deps)) })).status,
    ).toBe(404);

    const erased = await call(api, 'POST', `/v1/accounts/${a}/erasure`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      accountId: a,
      alreadyErased: false,
      fields: ['accounts.name', 'accounts.metadata', 'usage_events.properties', 'email_recipients', 'email_deliveries.recipient'],
    });
    const account = await f.deps.db.selectFrom('accounts').select(['name', 'metadata']).where('id', '=', a).executeTakeFirstOrThrow();
    expect(account).toEqual({ name: '[erased]', metadata: {} });
    const event = await f.deps.db
      .selectFrom('usage_events')
      .select('properties')
      .where('id', '=', `ue_gdpr_${a}`)
      .executeTakeFirstOrThrow();
    expect(event.properties).toEqual({});
    // The ledger stays, pseudonymous, and its chain still verifies.
    expect((await call(api, 'GET', `/v1/accounts/${a}/ledger/verify`)).body).toMatchObject({ ok: true });
    expect(await f.deps.db.selectFrom('ledger_entries').select('id').where('account_id', '=', a).execute()).toHaveLength(2);
    expect((await call(api, 'POST', `/v1/accounts/${a}/erasure`)).body).toMatchObject({ alreadyErased: true });
    const audit = await f.deps.db
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('target_id', '=', a)
      .where('action', '=', 'account.erase')
      .execute();
    expect(audit).toEqual([
      {
        action: 'account.erase',
        after: {
          fields: ['accounts.name', 'accounts.metadata', 'usage_events.properties', 'email_recipients', 'email_deliveries.recipient'],
        },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain('Jane');
  });
});
