import { requireAccount } from '../ledger/index.js';
import { gatewayFor, type PaymentsDeps } from './deps.js';

/**
 * The account's Stripe Customer, created on first need. Two racing callers
 * send the same idempotency key, so Stripe returns one customer to both.
 */
export async function ensureCustomer(deps: PaymentsDeps, accountId: string): Promise<string> {
  const db = deps.ledger.db;
  const existing = await db.selectFrom('stripe_customers').select('customer_id').where('account_id', '=', accountId).executeTakeFirst();
  if (existing) return existing.customer_id;
  await requireAccount(db, accountId);
  const customerId = await (await gatewayFor(deps, accountId)).createCustomer(accountId, `customer:${accountId}`);
  await db
    .insertInto('stripe_customers')
    .values({ account_id: accountId, customer_id: customerId })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
  const row = await db.selectFrom('stripe_customers').select('customer_id').where('account_id', '=', accountId).executeTakeFirstOrThrow();
  return row.customer_id;
}
