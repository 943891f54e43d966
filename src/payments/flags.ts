import type { Database, Tx } from '../db/database.js';
import type { PaymentFlag } from '../db/schema-payments.js';

/** Flags an account for follow-up (failed recharge, dispute); one flag per cause, idempotent. */
export async function flagAccount(
  tx: Tx,
  flag: { accountId: string; flag: PaymentFlag; reference: string; detail: string; now: Date },
): Promise<void> {
  await tx
    .insertInto('payment_account_flags')
    .values({ account_id: flag.accountId, flag: flag.flag, reference: flag.reference, detail: flag.detail, created_at: flag.now })
    .onConflict((oc) => oc.columns(['account_id', 'flag', 'reference']).doNothing())
    .execute();
}

export async function listAccountFlags(db: Database, accountId: string) {
  const rows = await db.selectFrom('payment_account_flags').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r) => ({ flag: r.flag, reference: r.reference, detail: r.detail, createdAt: r.created_at.toISOString() }));
}
