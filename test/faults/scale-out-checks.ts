import { expect } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { getBalances } from '../../src/ledger/index.js';
import { parseAmount } from '../../src/money/amount.js';
import type { StripeFake } from '../fakes/stripe-fake.js';
import type { Answer } from './scale-out-load.js';

/** The scale-out drill's accounting: what the ledger holds against what the clients were answered. */

const units = (decimal: string) => parseAmount(decimal, 2);

/** The account's available AI credits, in units (hundredths). */
export async function availableUnits(db: Database, account: string): Promise<bigint> {
  const { balances } = await getBalances(db, account, new Date());
  return units(balances.find((b) => b.creditType === 'ai')!.available);
}

/**
 * Exactly once, from the ledger's side: the transactions of every load
 * account are precisely its grants (the promo and one per recharge purchase),
 * one deduct per successful deduct response (its Idempotency-Key, its
 * transaction id) and each completed saga's hold, commit and release; and its
 * balance is the promo plus the recharges minus what the responses say was
 * deducted and burned.
 */
export async function expectExactlyOnce(
  db: Database,
  fake: StripeFake,
  accounts: string[],
  input: {
    deducts: { account: string; key: string; answer: Answer }[];
    sagas: { account: string; id: string; done: Answer }[];
    keyId: string;
  },
): Promise<void> {
  for (const account of accounts) {
    const transactions = await db
      .selectFrom('ledger_transactions')
      .select(['id', 'kind', 'idempotency_key'])
      .where('account_id', '=', account)
      .execute();
    const purchases = await db.selectFrom('purchases').selectAll().where('account_id', '=', account).execute();
    const deducts = input.deducts.filter((d) => d.account === account);
    const sagas = input.sagas.filter((s) => s.account === account);
    const expected = new Map<string, string>(); // idempotency key → kind
    for (const d of deducts) expected.set(`http:${input.keyId}:${d.key}`, 'deduct');
    for (const s of sagas) expected.set(`${s.id}:reserve`, 'hold').set(`${s.id}:commit`, 'commit');
    for (const p of purchases) {
      expect(p.status, p.id).toBe('succeeded');
      expect(
        fake.charges.filter((c) => c.metadata.purchase_id === p.id),
        p.id,
      ).toHaveLength(1);
      expected.set(`purchase-grant:${p.payment_intent_id}`, 'grant');
    }
    const actual = transactions.filter((t) => !(t.kind === 'grant' && t.idempotency_key?.startsWith('http:')));
    const extra = actual.filter((t) => !expected.has(t.idempotency_key ?? '') && !/:release$/.test(t.idempotency_key ?? ''));
    expect(extra, `${account}: transactions no response accounts for`).toEqual([]);
    const missing = [...expected].filter(([k]) => !actual.some((t) => t.idempotency_key === k));
    expect(missing, `${account}: successful responses without their transaction`).toEqual([]);
    for (const d of deducts) {
      const transaction = transactions.find((t) => t.idempotency_key === `http:${input.keyId}:${d.key}`);
      expect(transaction?.id).toBe(d.answer.body.transactionId);
    }
    const recharged = purchases.reduce((sum, p) => sum + p.credits, 0n);
    const deducted = deducts.reduce((sum, d) => sum + units(d.answer.body.deducted as string), 0n);
    const burned = sagas.reduce((sum, s) => sum + units(s.done.body.burned as string), 0n);
    expect(await availableUnits(db, account), account).toBe(units('60') + recharged - deducted - burned);
  }
}
