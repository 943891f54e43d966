import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { commitHold, createHold, deduct, expireGrant, issueGrant, refundBurn, voidGrant } from '../../src/ledger/index.js';
import { parseAmount } from '../../src/money/amount.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

const at = (iso: string) => f.clock.set(new Date(iso));

/**
 * March 2026 of one account: 1000 purchased in February; in March a promo of
 * 300 expiring on the 20th (burns first), burns by three features (one
 * through a hold), a refund, a voided support grant and a purchase of 500
 * for 25.00 USD; April's burn is not March's.
 */
async function marchHistory(): Promise<string> {
  const id = await newAccount(f.deps);
  const grant = (input: Record<string, unknown>) => issueGrant(f.deps, { accountId: id, creditType: 'ai', ...input } as never, actor);
  const burn = (amount: string, feature: string) => deduct(f.deps, { accountId: id, creditType: 'ai', amount }, { ...actor, feature });
  at('2026-02-10T09:00:00Z');
  await grant({ amount: '1000', source: 'purchase', costBasis: { amount: '50.00', currency: 'USD' }, externalRef: 'pi_feb' });
  at('2026-03-01T00:00:00Z');
  const promo = await grant({ amount: '300', source: 'promo', expiresAt: new Date('2026-03-20T00:00:00Z') });
  at('2026-03-02T10:00:00Z');
  const chat = await burn('150.25', 'chat');
  await burn('20', 'search');
  const hold = await createHold(f.deps, { accountId: id, creditType: 'ai', amount: '40', feature: 'render' }, actor);
  await commitHold(f.deps, hold.id, '12.50', actor);
  at('2026-03-05T10:00:00Z');
  await refundBurn(f.deps, { accountId: id, transactionId: chat.transactionId, amount: '5' }, { ...actor, reason: 'bad answer' });
  const support = await grant({ amount: '10', source: 'support', reason: 'goodwill' });
  await voidGrant(f.deps, support.id, actor);
  at('2026-03-15T10:00:00Z');
  await grant({ amount: '500', source: 'purchase', costBasis: { amount: '25.00', currency: 'USD' }, externalRef: 'pi_march' });
  at('2026-03-20T00:00:00Z');
  await expireGrant(f.deps, promo.id, actor);
  at('2026-04-02T10:00:00Z');
  await burn('1', 'chat');
  at('2026-04-15T00:00:00Z');
  return id;
}

describe('statements (R-A2): GET /v1/accounts/{id}/statements/{YYYY-MM}', () => {
  it('gives the month in JSON: opening + granted − burned − expired + adjustments = closing, grants, burn by feature, purchases', async () => {
    const id = await marchHistory();
    const res = await call(api, 'GET', `/v1/accounts/${id}/statements/2026-03`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const s = res.body!;
    expect(s).toMatchObject({ accountId: id, period: '2026-03', from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    expect(s.complete).toBe(true);
    expect(s.creditTypes).toEqual([
      {
        creditType: 'ai',
        name: 'AI credits',
        opening: '1000.00',
        granted: '810.00',
        burned: '182.75',
        expired: '122.25',
        refunded: '5.00',
        voided: '10.00',
        adjustments: '-5.00',
        closing: '1500.00',
      },
    ]);
    // The identity, in exact units.
    const u = (text: string) => parseAmount(text, 2);
    const c = s.creditTypes[0];
    expect(u(c.opening) + u(c.granted) - u(c.burned) - u(c.expired) + u(c.adjustments)).toBe(u(c.closing));

    expect(s.grantsIssued.map((g: Record<string, string>) => [g.source, g.amount, g.issuedAt])).toEqual([
      ['promo', '300.00', '2026-03-01T00:00:00.000Z'],
      ['support', '10.00', '2026-03-05T10:00:00.000Z'],
      ['purchase', '500.00', '2026-03-15T10:00:00.000Z'],
    ]);
    expect(s.grantsExpired).toMatchObject([{ source: 'promo', expired: '122.25', expiredAt: '2026-03-20T00:00:00.000Z' }]);
    expect(s.burnByFeature).toEqual([
      { creditType: 'ai', feature: 'chat', burned: '150.25', refunded: '5.00', net: '145.25' },
      { creditType: 'ai', feature: 'render', burned: '12.50', refunded: '0.00', net: '12.50' },
      { creditType: 'ai', feature: 'search', burned: '20.00', refunded: '0.00', net: '20.00' },
    ]);
    expect(s.purchases).toMatchObject([
      { creditType: 'ai', credits: '500.00', price: { amount: '25.00', currency: 'USD' }, reference: 'pi_march' },
    ]);
    expect(s.purchaseTotals).toEqual([{ amount: '25.00', currency: 'USD' }]);

    // February: the first purchase only; April so far: the 1 burned, still running.
    const feb = (await call(api, 'GET', `/v1/accounts/${id}/statements/2026-02`)).body!;
    expect(feb.creditTypes[0]).toMatchObject({ opening: '0.00', granted: '1000.00', closing: '1000.00' });
    expect(feb.purchases).toMatchObject([{ price: { amount: '50.00', currency: 'USD' }, reference: 'pi_feb' }]);
    const april = (await call(api, 'GET', `/v1/accounts/${id}/statements/2026-04`)).body!;
    expect(april).toMatchObject({ complete: false, creditTypes: [{ opening: '1500.00', burned: '1.00', closing: '1499.00' }] });
  });

  it('gives CSV and PDF by Accept or by `format`', async () => {
    const id = await marchHistory();
    const path = `/v1/accounts/${id}/statements/2026-03`;
    const byAccept = await call(api, 'GET', path, { headers: { accept: 'text/csv' } });
    const byFormat = await call(api, 'GET', `${path}?format=csv`);
    for (const res of [byAccept, byFormat]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="statement-${id}-2026-03.csv"`);
    }
    expect(byFormat.text).toBe(byAccept.text);
    const lines = byAccept.text.split('\r\n');
    expect(lines[0]).toBe('section,credit_type,item,detail,amount,currency,at');
    expect(lines).toContain('summary,ai,opening,,1000.00,,');
    expect(lines).toContain('summary,ai,adjustments,,-5.00,,');
    expect(lines).toContain('summary,ai,closing,,1500.00,,');
    expect(lines).toContain('burn,ai,chat,refunded,5.00,,');
    expect(lines.filter((l) => l.startsWith('purchase,ai,'))[0]).toMatch(/,500\.00 credits,25\.00,USD,2026-03-15T10:00:00\.000Z$/);
    expect(lines).toContain('purchase_total,,,,25.00,USD,');

    for (const res of [
      await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${api.adminKey}`, accept: 'application/pdf' } }),
      await fetch(`${api.baseUrl}${path}?format=pdf`, { headers: { authorization: `Bearer ${api.adminKey}` } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const pdf = Buffer.from(await res.arrayBuffer());
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.subarray(-6).toString()).toContain('%%EOF');
      // The page's text (pdfkit writes it as hex strings in deflated content streams) carries the figures.
      const text = pageText(pdf);
      for (const figure of ['Statement 2026-03', '1000.00', '810.00', '182.75', '122.25', '1500.00', 'chat', '25.00 USD']) {
        expect(text, figure).toContain(figure);
      }
    }
  });

  it('lets a customer key and a wallet session token read their own account only; staff read any', async () => {
    const id = await marchHistory();
    const other = await newAccount(f.deps);
    const path = `/v1/accounts/${id}/statements/2026-03`;
    const own = await api.key(['customer'], id);
    expect((await call(api, 'GET', path, { key: own })).status).toBe(200);
    expect((await call(api, 'GET', path, { key: await api.key(['customer'], other) })).status).toBe(404);
    const session = await call(api, 'POST', `/v1/accounts/${id}/session-tokens`, {
      key: await api.key(['service']),
      body: {},
      idempotencyKey: null,
    });
    expect(session.status, session.text).toBe(201);
    expect((await call(api, 'GET', `${path}?format=csv`, { key: session.body!.token })).status).toBe(200);
    for (const scope of ['support', 'finance'] as const) {
      expect((await call(api, 'GET', path, { key: await api.key([scope]) })).status, scope).toBe(200);
    }
    expect((await call(api, 'GET', path, { key: await api.key(['service']) })).status).toBe(403);
  });

  it('refuses a month not started, a malformed month or format, and an unknown account, as problems', async () => {
    const id = await marchHistory();
    const future = await call(api, 'GET', `/v1/accounts/${id}/statements/2026-05`);
    expect(future.status).toBe(400);
    expect(future.body!.errors).toEqual([expect.objectContaining({ path: 'params.period' })]);
    for (const bad of ['2026-13', '2026-3', 'march']) {
      const res = await call(api, 'GET', `/v1/accounts/${id}/statements/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await call(api, 'GET', `/v1/accounts/${id}/statements/2026-03?format=xls`)).status).toBe(400);
    expect((await call(api, 'GET', `/v1/accounts/${id}/statements/2026-03?extra=1`)).status).toBe(400);
    expect((await call(api, 'GET', '/v1/accounts/nobody/statements/2026-03')).status).toBe(404);
  });

  it('is in the OpenAPI document with its three media types', async () => {
    const doc = (await call(api, 'GET', '/v1/openapi.json')).body!;
    const op = doc.paths['/v1/accounts/{id}/statements/{period}'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['application/json', 'text/csv', 'application/pdf']);
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Statement' });
    expect(op.responses['200'].content['application/pdf'].schema).toEqual({ type: 'string', format: 'binary' });
  });
});

/** The text a PDF's deflated content streams show: pdfkit writes each run as a hex string of WinAnsi codes. */
function pageText(pdf: Buffer): string {
  let text = '';
  let from = 0;
  for (;;) {
    const start = pdf.indexOf('>>\nstream\n', from);
    if (start < 0) break;
    const end = pdf.indexOf('\nendstream', start);
    if (end < 0) break;
    try {
      const content = inflateSync(pdf.subarray(start + 10, end)).toString('latin1');
      for (const m of content.matchAll(/<([0-9a-f]+)>/g)) text += Buffer.from(m[1]!, 'hex').toString('latin1');
      text += '\n';
    } catch {
      // Not a deflated stream (a font's data): nothing to read.
    }
    from = end + 1;
  }
  return text;
}
