import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

const DAY_MS = 86_400_000;
const at = (iso: string) => f.clock.set(new Date(iso));
const send = (events: unknown[]) => call(api, 'POST', '/v1/events', { body: { events } });
const usage = (id: string, from: string) => call(api, 'GET', `/v1/accounts/${id}/usage?from=${from}&groupBy=feature`);

describe('the late-event cutoff, told to customers (issue 19)', () => {
  it('refuses a late event, lists it once in the usage view and the statement, and names the window in the rate card', async () => {
    const id = await newAccount(f.deps);
    at('2026-03-20T12:00:00Z');
    const late = { id: 'late-a', accountId: id, feature: 'chat', quantity: '3', timestamp: '2026-03-10T08:00:00.000Z' };
    const onTime = { id: 'fresh-a', accountId: id, feature: 'chat', quantity: '1', timestamp: '2026-03-19T08:00:00.000Z' };
    const first = await send([late, onTime]);
    expect(first.status, first.text).toBe(202);
    expect(first.body!.results).toMatchObject([
      { id: 'late-a', status: 'rejected', reason: 'late_event' },
      { id: 'fresh-a', status: 'accepted' },
    ]);
    // Sent again a day later: refused again, listed once.
    at('2026-03-21T12:00:00Z');
    expect((await send([late])).body!.results[0]).toMatchObject({ status: 'rejected', reason: 'late_event' });

    const view = await usage(id, '2026-03-01T00:00:00Z');
    expect(view.status, view.text).toBe(200);
    expect(view.body!.notBilled).toEqual({
      lateEventWindowDays: 7,
      total: 1,
      events: [
        {
          eventId: 'late-a',
          feature: 'chat',
          quantity: '3',
          eventTime: '2026-03-10T08:00:00.000Z',
          receivedAt: '2026-03-20T12:00:00.000Z',
          reason: 'late_event',
          detail: 'The event is older than the late-event window of 7 days (event time 2026-03-10T08:00:00.000Z).',
        },
      ],
    });
    // A range that ends before it arrived does not list it.
    const before = await call(api, 'GET', `/v1/accounts/${id}/usage?from=2026-03-01T00:00:00Z&to=2026-03-15T00:00:00Z`);
    expect(before.body!.notBilled).toMatchObject({ total: 0, events: [] });

    const card = await call(api, 'GET', `/v1/accounts/${id}/rate-card`);
    expect(card.status, card.text).toBe(200);
    expect(card.body!.lateEvents).toEqual({
      windowDays: 7,
      acceptedFrom: new Date(Date.parse('2026-03-21T12:00:00Z') - 7 * DAY_MS).toISOString(),
    });

    at('2026-04-02T00:00:00Z');
    const statement = await call(api, 'GET', `/v1/accounts/${id}/statements/2026-03`);
    expect(statement.status, statement.text).toBe(200);
    expect(statement.body!.notBilled).toMatchObject({ lateEventWindowDays: 7, total: 1, events: [{ eventId: 'late-a' }] });
    const april = await call(api, 'GET', `/v1/accounts/${id}/statements/2026-04`);
    expect(april.body!.notBilled).toMatchObject({ total: 0, events: [] });
    const csv = await call(api, 'GET', `/v1/accounts/${id}/statements/2026-03?format=csv`);
    expect(csv.text).toContain('not_billed_total,,,older than 7 days when received,1,,');
    expect(csv.text).toContain('not_billed,,late-a,late_event: chat at 2026-03-10T08:00:00.000Z,3,,2026-03-20T12:00:00.000Z');
  });

  it('keeps no rejection for an account that does not exist, nor for another account', async () => {
    const id = await newAccount(f.deps);
    const other = await newAccount(f.deps);
    at('2026-05-20T12:00:00Z');
    const res = await send([
      { id: 'late-x', accountId: 'no-such-account', feature: 'chat', quantity: '1', timestamp: '2026-05-01T00:00:00Z' },
      { id: 'late-y', accountId: other, feature: 'chat', quantity: '1', timestamp: '2026-05-01T00:00:00Z' },
    ]);
    expect(res.body!.results).toMatchObject([
      { status: 'rejected', reason: 'unknown_account' },
      { status: 'rejected', reason: 'late_event' },
    ]);
    expect((await usage(id, '2026-05-01T00:00:00Z')).body!.notBilled).toMatchObject({ total: 0, events: [] });
    expect((await usage(other, '2026-05-01T00:00:00Z')).body!.notBilled).toMatchObject({ total: 1 });
    const rows = await f.deps.db.selectFrom('usage_event_rejections').select('account_id').where('event_id', '=', 'late-x').execute();
    expect(rows).toEqual([]);
  });
});
