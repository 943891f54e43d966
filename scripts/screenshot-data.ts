import { randomUUID } from 'node:crypto';
import { expireGrantAsOf } from '../src/grants/expiry.js';
import { createAccount, createCreditType, deduct, issueGrant, type LedgerDeps } from '../src/ledger/index.js';

const DAY = 86_400_000;
const features = [
  { name: 'chat', base: 70, spread: 60 },
  { name: 'image', base: 25, spread: 40 },
  { name: 'embeddings', base: 6, spread: 18 },
];

/** Same numbers on every run (the committed screenshots change only when the UI does). */
const wave = (i: number) => (Math.sin(i * 1.7) + Math.sin(i * 0.37) + 2) / 4;

/**
 * Four months of one account for the screenshots: a purchase and an expiring
 * promo each month, daily usage by feature, the promo's remainder expiring on
 * the 25th (breakage); three months closed through the finance API by one
 * person and approved by another; a support grant waiting for approval.
 */
export async function seedScreenshotData(
  ledger: LedgerDeps,
  apiUrl: string,
  keys: { support: string; alice: string; bob: string },
  log: (s: string) => void,
): Promise<{ accountId: string }> {
  const accountId = 'acme';
  await createCreditType(ledger.db, { id: 'ai', name: 'AI credits', precision: 2 });
  await createAccount(ledger.db, { id: accountId, name: 'Acme Inc.' });
  const at = (d: Date) => ({ ...ledger, clock: () => d });
  const now = new Date();
  const month = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  let n = 0;
  for (let back = 3; back >= 0; back--) {
    const start = month(back);
    const end = back === 0 ? now : month(back - 1);
    const current = back === 0;
    await issueGrant(
      at(new Date(start.getTime() + 9 * 3_600_000)),
      {
        accountId,
        creditType: 'ai',
        amount: current ? '10000' : '5000',
        source: 'purchase',
        costBasis: { amount: current ? '450.00' : '250.00', currency: 'USD' },
      },
      { actor: 'acme-app' },
    );
    const promoExpiry = current ? month(-2) : new Date(start.getTime() + 24 * DAY);
    const promo = await issueGrant(
      at(new Date(start.getTime() + 9.5 * 3_600_000)),
      { accountId, creditType: 'ai', amount: current ? '6000' : '300', source: 'promo', expiresAt: promoExpiry },
      { actor: 'acme-app', reason: 'loyalty promotion' },
    );
    let expired = current;
    for (let day = start.getTime(); day < end.getTime(); day += DAY) {
      if (!expired && day >= promoExpiry.getTime()) {
        await expireGrantAsOf(at(promoExpiry), promo.id, promoExpiry.toISOString(), 'system:expiry');
        expired = true;
      }
      for (const [i, f] of features.entries()) {
        const when = new Date(day + (10 + i * 3) * 3_600_000);
        if (when > now) continue;
        const amount = (f.base + f.spread * wave(n++)).toFixed(2);
        await deduct(at(when), { accountId, creditType: 'ai', amount }, { actor: 'acme-app', feature: f.name });
      }
    }
  }

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(method === 'POST' && { 'idempotency-key': randomUUID() }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const waitFor = async (period: string, done: (p: Record<string, unknown>) => boolean) => {
    for (let i = 0; i < 120; i++) {
      const p = await call(keys.alice, 'GET', `/v1/finance/periods/${period}`);
      if (done(p)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the close of ${period} did not get there`);
  };
  for (let back = 3; back >= 1; back--) {
    const period = month(back).toISOString().slice(0, 7);
    await call(keys.alice, 'POST', `/v1/finance/periods/${period}/close`);
    await waitFor(period, (p) => p.step === 'awaiting_approval');
    await call(keys.bob, 'POST', `/v1/finance/periods/${period}/approve`);
    await waitFor(period, (p) => p.status === 'posted');
    log(`closed ${period}`);
  }
  await call(keys.support, 'POST', `/v1/accounts/${accountId}/support-grants`, {
    creditType: 'ai',
    amount: '200',
    reasonCode: 'goodwill',
    reason: 'Slow image generation on Tuesday',
  });
  await call(keys.support, 'POST', `/v1/accounts/${accountId}/support-grants`, {
    creditType: 'ai',
    amount: '5000',
    reasonCode: 'service_outage',
    reason: 'Outage of the chat API, 3 hours',
  });
  return { accountId };
}
