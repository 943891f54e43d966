import { describe, expect, it } from 'vitest';
import { createAccount } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

const ids = (body: Record<string, unknown> | undefined) => (body!.data as { id: string }[]).map((a) => a.id);

describe('account search (GET /v1/accounts)', () => {
  it('finds accounts by id, name or linked HubSpot domain prefix, case-insensitively, with % and _ taken literally', async () => {
    const run = `s${Date.now().toString(36)}`;
    await createAccount(f.deps.db, { id: `${run}-acme`, name: 'Acme Rockets Inc.' });
    await createAccount(f.deps.db, { id: `${run}-globex`, name: 'Globex' });
    await createAccount(f.deps.db, { id: `${run}-100pct`, name: '100% Organic' });
    await call(api, 'POST', `/v1/accounts/${run}-globex/hubspot-link`, { body: { domain: `globex-${run}.example` } });
    const search = async (query: string, key?: string) =>
      call(api, 'GET', `/v1/accounts?query=${encodeURIComponent(query)}`, key ? { key } : {});
    expect(ids((await search(`${run}-ac`)).body)).toEqual([`${run}-acme`]);
    expect(ids((await search(run.toUpperCase())).body)).toEqual([`${run}-100pct`, `${run}-acme`, `${run}-globex`]);
    expect(ids((await search('acme rockets')).body)).toContain(`${run}-acme`);
    expect(ids((await search(`GLOBEX-${run}`)).body)).toEqual([`${run}-globex`]);
    expect((await search(`globex-${run}`)).body!.data[0]).toMatchObject({ name: 'Globex', hubspotDomain: `globex-${run}.example` });
    expect(ids((await search('100%')).body)).toEqual([`${run}-100pct`]);
    expect(ids((await search('1_0')).body)).toEqual([]);
    const support = await api.key(['support']);
    expect((await search(run, support)).status).toBe(200);
    expect((await search(run, await api.key(['service']))).status).toBe(403);
    expect((await search(run, await api.key(['customer'], `${run}-acme`))).status).toBe(403);
  });

  it('pages in id order with a cursor', async () => {
    const prefix = `p${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) await createAccount(f.deps.db, { id: `${prefix}-${i}`, name: `Page ${i}` });
    const first = await call(api, 'GET', `/v1/accounts?query=${prefix}&limit=2`);
    expect(ids(first.body)).toEqual([`${prefix}-0`, `${prefix}-1`]);
    const second = await call(api, 'GET', `/v1/accounts?query=${prefix}&limit=2&cursor=${first.body!.nextCursor}`);
    expect(ids(second.body)).toEqual([`${prefix}-2`, `${prefix}-3`]);
    const last = await call(api, 'GET', `/v1/accounts?query=${prefix}&limit=2&cursor=${second.body!.nextCursor}`);
    expect(ids(last.body)).toEqual([`${prefix}-4`]);
    expect(last.body!.nextCursor).toBeNull();
  });
});
