import { beforeAll, describe, expect, it } from 'vitest';
import { loadPricingCatalog } from '../../src/consumption/pricing/catalog.js';
import type { ConsumptionDeps } from '../../src/consumption/settings.js';
import { ingestUsageEvents, type EventResult } from '../../src/consumption/usage-events/ingest.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { defaultSettings, pricingDir } from './fixture.js';

/**
 * A batch of usage events is validated in memory and stored with one insert
 * (unnest of arrays), deduplicated by account and event id: within the batch,
 * against earlier batches, and between batches that race.
 */
const f = useLedgerFixture();
let deps: ConsumptionDeps;
beforeAll(async () => {
  deps = { ledger: f.deps, catalog: await loadPricingCatalog(pricingDir), settings: defaultSettings };
});

const mayUse = () => true;
const ingest = (events: unknown[]) => ingestUsageEvents(deps, events, { mayUse });
const statuses = (results: EventResult[]) => results.map((r) => (r.status === 'rejected' ? r.reason : r.status));

describe('usage-event ingest in one statement', () => {
  it('answers duplicates within a batch and across batches, per account, and stores each event once as sent', async () => {
    f.clock.set(new Date('2026-03-10T12:00:00Z'));
    const [a, b] = [await newAccount(f.deps), await newAccount(f.deps)];
    const at = '2026-03-10T11:00:00.123Z';
    const results = await ingest([
      { id: 'e1', accountId: a, feature: 'chat', timestamp: at },
      { id: 'e1', accountId: a, feature: 'chat', quantity: '3', timestamp: at },
      { id: 'e1', accountId: b, feature: 'tokens', properties: { tokens: 1200, note: 'ünï' }, timestamp: at },
      { id: 'e2', accountId: a, feature: 'tokens', quantity: 7, timestamp: '2026-03-10T13:00:00+01:00' },
    ]);
    expect(results.map((r) => [r.index, r.id, r.status])).toEqual([
      [0, 'e1', 'accepted'],
      [1, 'e1', 'duplicate'],
      [2, 'e1', 'accepted'],
      [3, 'e2', 'accepted'],
    ]);
    const rows = await f.deps.db
      .selectFrom('usage_events')
      .select(['account_id', 'id', 'feature', 'quantity', 'properties', 'event_time', 'received_at', 'status'])
      .where('account_id', 'in', [a, b])
      .orderBy('account_id')
      .orderBy('id')
      .execute();
    expect(rows).toEqual(
      [
        { account_id: a, id: 'e1', feature: 'chat', quantity: '1', properties: {}, event_time: new Date(at) },
        { account_id: a, id: 'e2', feature: 'tokens', quantity: '7', properties: {}, event_time: new Date('2026-03-10T12:00:00Z') },
        {
          account_id: b,
          id: 'e1',
          feature: 'tokens',
          quantity: '1200',
          properties: { tokens: 1200, note: 'ünï' },
          event_time: new Date(at),
        },
      ]
        .sort((x, y) => (x.account_id + x.id < y.account_id + y.id ? -1 : 1))
        .map((r) => ({ ...r, received_at: f.clock.now(), status: 'pending' })),
    );

    // A later batch: what is stored is a duplicate, forever; what is new is accepted.
    const again = await ingest([
      { id: 'e2', accountId: a, feature: 'chat', timestamp: at },
      { id: 'e3', accountId: a, feature: 'chat', timestamp: at },
      { id: 'e1', accountId: b, feature: 'chat', timestamp: at },
    ]);
    expect(statuses(again)).toEqual(['duplicate', 'accepted', 'duplicate']);
  });

  it('still refuses late, future, unknown and invalid events in the same batch as accepted ones', async () => {
    f.clock.set(new Date('2026-04-20T00:00:00Z'));
    const a = await newAccount(f.deps);
    const results = await ingest([
      { id: 'ok', accountId: a, feature: 'chat', timestamp: '2026-04-13T00:00:01Z' },
      { id: 'late', accountId: a, feature: 'chat', timestamp: '2026-04-12T23:59:59Z' },
      { id: 'future', accountId: a, feature: 'chat', timestamp: '2026-04-20T01:00:00Z' },
      { id: 'nobody', accountId: 'no-such-account', feature: 'chat', timestamp: '2026-04-19T00:00:00Z' },
      { id: 'bad', accountId: a, feature: 'chat', timestamp: '2026-04-19T00:00:00Z', extra: 1 },
      { id: 'late', accountId: a, feature: 'chat', timestamp: '2026-04-12T23:59:59Z' },
    ]);
    expect(statuses(results)).toEqual(['accepted', 'late_event', 'future_event', 'unknown_account', 'invalid', 'late_event']);
    const stored = await f.deps.db.selectFrom('usage_events').select('id').where('account_id', '=', a).execute();
    expect(stored.map((r) => r.id)).toEqual(['ok']);
    const rejections = await f.deps.db
      .selectFrom('usage_event_rejections')
      .select(['event_id', 'reason'])
      .where('account_id', '=', a)
      .execute();
    expect(rejections).toEqual([{ event_id: 'late', reason: 'late_event' }]);
  });

  it('accepts each event exactly once when batches that share events race', async () => {
    f.clock.set(new Date('2026-05-01T00:00:00Z'));
    const a = await newAccount(f.deps);
    const batch = (from: number) =>
      Array.from({ length: 200 }, (_, i) => ({ id: `r${from + i}`, accountId: a, feature: 'chat', timestamp: '2026-04-30T00:00:00Z' }));
    // Eight callers, each batch overlapping the next by half.
    const all = await Promise.all(Array.from({ length: 8 }, (_, k) => ingest(batch(k * 100))));
    const accepted = all.flat().filter((r) => r.status === 'accepted');
    expect(accepted.length).toBe(900);
    expect(new Set(accepted.map((r) => r.id)).size).toBe(900);
    expect(all.flat().filter((r) => r.status === 'duplicate').length).toBe(700);
    const stored = await f.deps.db.selectFrom('usage_events').select('id').where('account_id', '=', a).execute();
    expect(stored.length).toBe(900);
  });
});
