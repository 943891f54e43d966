import { describe, expect, it } from 'vitest';
import { createHold, issueGrant, releaseHold } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('an account’s holds (GET /v1/accounts/{id}/holds)', () => {
  it('lists what is reserved now by default, the other holds by status, and only to keys that may see the account', async () => {
    const id = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    const hold = await createHold(f.deps, { accountId: id, creditType: 'ai', amount: '7', feature: 'chat' }, actor);
    const released = await createHold(f.deps, { accountId: id, creditType: 'ai', amount: '3' }, actor);
    await releaseHold(f.deps, released.id, actor);
    const active = await call(api, 'GET', `/v1/accounts/${id}/holds`);
    expect(active.body!.data).toEqual([expect.objectContaining({ id: hold.id, amount: '7.00', status: 'active', feature: 'chat' })]);
    const past = await call(api, 'GET', `/v1/accounts/${id}/holds?status=released`);
    expect(past.body!.data).toEqual([expect.objectContaining({ id: released.id, amount: '3.00', status: 'released' })]);
    expect((await call(api, 'GET', `/v1/accounts/${id}/holds`, { key: await api.key(['customer'], id) })).status).toBe(200);
    const other = await newAccount(f.deps);
    expect((await call(api, 'GET', `/v1/accounts/${id}/holds`, { key: await api.key(['customer'], other) })).status).toBe(404);
    expect((await call(api, 'GET', '/v1/accounts/no-such-account/holds')).status).toBe(404);
  });
});
