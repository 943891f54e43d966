import { describe, expect, it } from 'vitest';
import { secretsKeyOf } from '../../src/auth/secret-box.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createEndpoint } from '../../src/notifications/endpoints.js';
import { dispatchOutboxBatch } from '../../src/notifications/relay.js';
import { writeOutboxEvent } from '../../src/outbox/outbox.js';
import { createAccount } from '../../src/ledger/index.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();

async function emit(accountId: string, type: string, id: string) {
  await inTransaction(f.deps.db, (tx) => writeOutboxEvent(tx, { id, accountId, type, payload: { accountId }, occurredAt: new Date() }));
}

async function relayState() {
  return f.deps.db.selectFrom('outbox_relay_state').selectAll().executeTakeFirst();
}

describe('outbox relay (real PostgreSQL)', () => {
  it('fans each event out once to every matching endpoint, in seq order', async () => {
    const acct = await newAccount(f.deps);
    const other = await newAccount(f.deps);
    const limits = { key: secretsKeyOf({}), maxPerAccount: 16 };
    const mine = await inTransaction(f.deps.db, (tx) =>
      createEndpoint(
        tx,
        { accountId: acct, url: 'http://127.0.0.1:1/a', eventTypes: ['balance.low'], createdBy: 'test', mode: 'live' },
        limits,
      ),
    );
    const all = await inTransaction(f.deps.db, (tx) =>
      createEndpoint(tx, { accountId: null, url: 'http://127.0.0.1:1/all', eventTypes: ['*'], createdBy: 'test', mode: 'live' }, limits),
    );
    await emit(acct, 'balance.low', `e1-${acct}`);
    await emit(acct, 'grant.expired', `e2-${acct}`);
    await emit(other, 'balance.low', `e3-${acct}`);

    const first = await dispatchOutboxBatch(f.deps.db, { limit: 2, graceSeconds: 300 });
    expect(first).toMatchObject({ dispatched: 2, deliveriesCreated: 3 });
    const second = await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 300 });
    expect(second).toMatchObject({ dispatched: 1, deliveriesCreated: 1 });
    expect(await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 300 })).toMatchObject({ dispatched: 0, deliveriesCreated: 0 });

    const deliveries = await f.deps.db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', 'event_id', 'event_seq'])
      .orderBy('event_seq')
      .orderBy('endpoint_id')
      .execute();
    const pairs = deliveries.map(
      (d) => `${d.event_id} -> ${d.endpoint_id === mine.id ? 'mine' : d.endpoint_id === all.id ? 'all' : d.endpoint_id}`,
    );
    expect(pairs.sort()).toEqual([`e1-${acct} -> all`, `e1-${acct} -> mine`, `e2-${acct} -> all`, `e3-${acct} -> all`]);
    expect(deliveries.map((d) => d.event_seq)).toEqual(
      [...deliveries.map((d) => d.event_seq)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it('never skips an event whose seq committed after a higher seq was relayed', async () => {
    const acct = await newAccount(f.deps);
    const slow = await f.deps.db.startTransaction().execute();
    await writeOutboxEvent(slow, { id: `slow-${acct}`, accountId: acct, type: 'grant.expired', payload: {}, occurredAt: new Date() });
    await emit(acct, 'grant.expired', `fast-${acct}`);
    const slowSeq = (await slow.selectFrom('outbox_events').select('seq').where('id', '=', `slow-${acct}`).executeTakeFirstOrThrow()).seq;

    // Grace 0: the cursor moves as far as it safely can at every step.
    expect(await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 0 })).toMatchObject({ dispatched: 1 });
    const marked = await f.deps.db.selectFrom('outbox_dispatches').select('event_id').execute();
    expect(marked.map((m) => m.event_id)).not.toContain(`slow-${acct}`);
    await slow.commit().execute();

    const late = await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 0 });
    expect(late.dispatched).toBe(1);
    const marker = await f.deps.db.selectFrom('outbox_dispatches').select('seq').where('event_id', '=', `slow-${acct}`).executeTakeFirst();
    expect(marker?.seq ?? BigInt(late.cursor) >= slowSeq).toBeTruthy();
  });

  it('keeps the cursor behind markers younger than the grace and advances it after', async () => {
    const acct = await newAccount(f.deps);
    await emit(acct, 'grant.expired', `g1-${acct}`);
    const before = (await relayState())?.cursor_seq ?? 0n;
    await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 300 });
    expect((await relayState())?.cursor_seq).toBe(before);
    const after = await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 0 });
    const top = await f.deps.db
      .selectFrom('outbox_events')
      .select(({ fn }) => fn.max('seq').as('max'))
      .executeTakeFirstOrThrow();
    expect(after.cursor).toBe(String(top.max));
    expect(await f.deps.db.selectFrom('outbox_dispatches').selectAll().execute()).toEqual([]);
  });

  it('events of a test-mode account go to test-mode endpoints only, and a live account’s to live ones', async () => {
    const live = await newAccount(f.deps);
    const sandbox = `tmrelay_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createAccount(f.deps.db, { id: sandbox, name: 'Test mode', mode: 'test' });
    const limits = { key: secretsKeyOf({}), maxPerAccount: 16 };
    const endpoint = (mode: 'live' | 'test') =>
      inTransaction(f.deps.db, (tx) =>
        createEndpoint(tx, { accountId: null, url: `http://127.0.0.1:1/${mode}`, eventTypes: ['*'], createdBy: 'test', mode }, limits),
      );
    const liveAll = await endpoint('live');
    const testAll = await endpoint('test');
    await emit(sandbox, 'balance.low', `tm1-${sandbox}`);
    await emit(live, 'balance.low', `tm2-${sandbox}`);
    await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 300 });
    const to = async (endpointId: string) =>
      (await f.deps.db.selectFrom('webhook_deliveries').select('event_id').where('endpoint_id', '=', endpointId).execute()).map(
        (d) => d.event_id,
      );
    expect(await to(testAll.id)).toEqual([`tm1-${sandbox}`]);
    expect(await to(liveAll.id)).toEqual([`tm2-${sandbox}`]);
  });
});
