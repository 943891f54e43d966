import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { importWorkflowId } from '../../src/contracts/imports.js';
import { getBalances } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { importFile, toJsonl } from '../helpers/import-file.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
// The API starts import workflows on TEMPORAL_TASK_QUEUE: the queue of the worker under test.
const taskQueue = `imports-${randomBytes(4).toString('hex')}`;
const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, IMPORT_BATCH_SIZE: '40' });
const t = useTemporalWorker(() => ({ ledger: f.deps }), taskQueue);
let finance: string;

beforeAll(async () => {
  f.clock.set(new Date());
  finance = await api.key(['finance'], undefined, 'fin@example.com');
});

const jsonl = { 'content-type': 'application/x-ndjson' };
const csv = { 'content-type': 'text/csv' };
const post = (body: string, headers: Record<string, string>, query = '') =>
  call(api, 'POST', `/v1/imports${query}`, { key: finance, body, headers });

async function finished(id: string) {
  for (let i = 0; i < 600; i++) {
    const res = await call(api, 'GET', `/v1/imports/${id}`, { key: finance });
    expect(res.status, res.text).toBe(200);
    if (res.body!.state !== 'running') return res.body!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`import ${id} did not finish`);
}

const balance = async (accountId: string) =>
  (await getBalances(f.deps.db, accountId, f.clock.now())).balances.find((b) => b.creditType === 'ai')?.available;
const units = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
const count = async (table: 'imports' | 'accounts' | 'grants') =>
  Number(
    (
      await f.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('bulk import (HTTP, PostgreSQL, Temporal dev server)', () => {
  it('reports every bad row (line, field, problem) and writes nothing; a dry run validates only', async () => {
    const now = f.clock.now().toISOString();
    const bad = [
      '{"type":"account","id":"bad-a","name":"A"}',
      '{"type":"grant","key":"g1","accountId":"nobody","creditType":"ai","remaining":"1.005","grantedAt":"2026-01-01T00:00:00Z"}',
      'not json',
      '{"type":"grant","key":"g2","accountId":"bad-a","creditType":"gold","remaining":"5","grantedAt":"2099-01-01T00:00:00Z","colour":"red"}',
      '{"type":"account","id":"bad-a","name":"Again"}',
      `{"type":"grant","key":"g3","accountId":"bad-a","creditType":"ai","remaining":"5","grantedAt":"2025-01-01T00:00:00Z","expiresAt":"${now}"}`,
      '{"type":"pricing_pin","accountId":"bad-a","pricingVersion":"1999-01"}',
    ].join('\n');
    const before = { imports: await count('imports'), accounts: await count('accounts'), grants: await count('grants') };
    const res = await post(bad, jsonl);
    expect(res.status, res.text).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'import_invalid', totalRows: 7, badRows: 6 });
    expect(res.body!.report.map((p: { line: number; field: string; code: string }) => [p.line, p.field, p.code])).toEqual([
      [2, 'accountId', 'unknown_account'],
      [2, 'remaining', 'too_many_decimals'],
      [3, '', 'unreadable'],
      [4, 'colour', 'unknown_field'],
      [5, 'id', 'duplicate'],
      [6, 'expiresAt', 'expired'],
      [7, 'pricingVersion', 'unknown_pricing_version'],
    ]);
    const csvRes = await post('type,id,name,shoe\naccount,x,X,9\n', csv);
    expect(csvRes.status).toBe(422);
    expect(csvRes.body!.report).toEqual([
      expect.objectContaining({ line: 1, code: 'unreadable', message: expect.stringContaining('shoe') }),
    ]);
    expect((await post('{"type":"account","id":"x","name":"X"}', { 'content-type': 'text/plain' })).status).toBe(415);

    const good = toJsonl(importFile({ prefix: 'dry', accounts: 3, grantsPerAccount: 2, now: f.clock.now() }).rows);
    const dry = await post(good, jsonl, '?validateOnly=true');
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toEqual({ validateOnly: true, valid: true, rows: { total: 10, accounts: 3, grants: 6, pricingPins: 1 } });
    expect({ imports: await count('imports'), accounts: await count('accounts'), grants: await count('grants') }).toEqual(before);
    // Only admin and finance import.
    const support = await api.key(['support']);
    expect((await call(api, 'POST', '/v1/imports', { key: support, body: good, headers: jsonl })).status).toBe(403);
  });

  it('imports a few hundred rows as migration grants with progress and per-row outcomes; a second run books nothing twice', async () => {
    const file = importFile({ prefix: `ok${randomBytes(3).toString('hex')}`, accounts: 40, grantsPerAccount: 6, now: f.clock.now() });
    const res = await post(toJsonl(file.rows), jsonl);
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ state: 'running', progress: { total: 284 } });
    const done = await finished(res.body!.id);
    expect(done).toMatchObject({ state: 'completed', progress: { total: 284, done: 284, skipped: 0, failed: 0, pending: 0 } });
    for (const [account, cents] of file.expected) expect(await balance(account)).toBe(units(cents));
    const grants = await f.deps.db
      .selectFrom('grants')
      .selectAll()
      .where('account_id', '=', `${file.rows[0]!.id as string}`)
      .execute();
    expect(grants).toHaveLength(6);
    expect(new Set(grants.map((g) => g.source))).toEqual(new Set(['migration']));
    expect(grants.find((g) => g.external_ref?.endsWith('-grant-0-0'))).toMatchObject({
      cost_basis_minor: 100n,
      cost_basis_currency: 'USD',
    });
    const pinned = await f.deps.db
      .selectFrom('accounts')
      .select('pricing_version')
      .where('id', '=', file.rows[0]!.id as string)
      .executeTakeFirst();
    expect(pinned?.pricing_version).toBe('2026-01');

    const page = await call(api, 'GET', `/v1/imports/${res.body!.id}/rows?limit=100`, { key: finance });
    expect(page.body!.data).toHaveLength(100);
    const next = await call(api, 'GET', `/v1/imports/${res.body!.id}/rows?limit=100&cursor=${page.body!.nextCursor}`, { key: finance });
    expect(next.body!.data[0].line).toBe(101);
    expect(page.body!.data[2]).toMatchObject({
      line: 3,
      kind: 'grant',
      status: 'done',
      outcome: { grantId: expect.stringMatching(/^grt_/) },
    });
    const audit = await f.deps.db.selectFrom('audit_log').select('action').where('actor', '=', 'fin@example.com').execute();
    expect(audit.filter((a) => a.action === 'grant.migrate')).toHaveLength(240);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['import.create', 'import.complete']));
    await recordHistory(t.client.workflow.getHandle(importWorkflowId(res.body!.id)), 'import-completed');

    // The same file again, and one grant changed under its old key.
    const grantsBefore = await count('grants');
    const again = await finished((await post(toJsonl(file.rows), jsonl)).body!.id);
    expect(again).toMatchObject({ state: 'completed', progress: { done: 4, skipped: 280, failed: 0 } }); // the pins are set again
    const changed = file.rows.map((r) => (r.key === file.rows[2]!.key ? { ...r, remaining: '0.01' } : r));
    const third = await post(toJsonl(changed), jsonl);
    expect(await finished(third.body!.id)).toMatchObject({ state: 'completed_with_failures', progress: { failed: 1 } });
    const failed = await call(api, 'GET', `/v1/imports/${third.body!.id}/rows?status=failed`, { key: finance });
    expect(failed.body!.data).toEqual([
      expect.objectContaining({ line: 3, status: 'failed', outcome: expect.objectContaining({ code: 'idempotency_key_reused' }) }),
    ]);
    expect(await count('grants')).toBe(grantsBefore);
    for (const [account, cents] of file.expected) expect(await balance(account)).toBe(units(cents));
  });

  it('reads CSV: quoted cells, empty cells as absent fields, cost basis columns', async () => {
    const id = `csv-${randomBytes(3).toString('hex')}`;
    const text = [
      'type,id,name,key,accountId,creditType,remaining,grantedAt,expiresAt,costBasisAmount,costBasisCurrency,pricingVersion',
      `account,${id},"Smith, Jones & Co",,,,,,,,,`,
      `grant,,,${id}-g1,${id},ai,12.50,2025-10-01T00:00:00Z,,3.00,EUR,`,
      `pricing_pin,,,,${id},,,,,,,2026-07`,
    ].join('\r\n');
    const res = await post(text, csv);
    expect(res.status, res.text).toBe(202);
    expect(await finished(res.body!.id)).toMatchObject({ state: 'completed', progress: { done: 3 } });
    expect(await balance(id)).toBe('12.50');
    const account = await f.deps.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ name: 'Smith, Jones & Co', pricing_version: '2026-07' });
  });
});
