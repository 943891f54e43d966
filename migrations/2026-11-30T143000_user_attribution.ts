import { sql, type Kysely } from 'kysely';
import { patchFunction, reversed, type Patch } from './function-patch.js';

/**
 * Per-user attribution (issue 18): a `userId` on deducts, holds and usage
 * events, kept on the ledger transaction, the hold and the event, so usage
 * can be reported per user of an account (GET /v1/accounts/{id}/usage?groupBy=user).
 *
 * ledger_execute records p.userId on the transaction it writes; a commit
 * inherits its hold's user, a refund its burn's. ledger_hold keeps it on the
 * hold. The two functions are changed by patching their stored definitions
 * (./function-patch.ts), so the one readable definition stays in
 * migrations/2026-11-29T000600_ledger_sql_execute.ts and
 * 2026-11-29T000200_ledger_sql_spend.ts and this file holds only the change;
 * a patch that no longer matches fails the migration instead of being skipped.
 */
const executePatches: Patch[] = [
  [`http jsonb := p->'http';`, `http jsonb := p->'http';\n      v_user text := p->>'userId';`],
  [
    `select h.account_id, h.credit_type into v_account, v_credit_type from holds h where h.id = p->>'holdId';`,
    `select h.account_id, h.credit_type, coalesce(v_user, h.user_id) into v_account, v_credit_type, v_user from holds h where h.id = p->>'holdId';`,
  ],
  [
    `select t.credit_type, t.kind into v_credit_type, burn_kind from ledger_transactions t`,
    `select t.credit_type, t.kind, coalesce(v_user, t.user_id) into v_credit_type, burn_kind, v_user from ledger_transactions t`,
  ],
  [
    `related_transaction_id, result, actor)\n        values (v_account, c.transaction_id, v_kind, v_credit_type, v_key, p->>'requestHash',`,
    `related_transaction_id, result, actor, user_id)\n        values (v_account, c.transaction_id, v_kind, v_credit_type, v_key, p->>'requestHash',`,
  ],
  [`end, v_result, c.actor);`, `end, v_result, c.actor, v_user);`],
];

const holdPatches: Patch[] = [
  [`transaction_id, created_by, created_at)\n`, `transaction_id, created_by, created_at, user_id)\n`],
  [`p->>'ownerRef', c.transaction_id, c.actor, c.now)`, `p->>'ownerRef', c.transaction_id, c.actor, c.now, p->>'userId')`],
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_transactions add column user_id text`.execute(db);
  await sql`alter table holds add column user_id text`.execute(db);
  await sql`alter table usage_events add column user_id text`.execute(db);
  // The per-user report reads an account's attributed transactions by time.
  await sql`create index ledger_transactions_user_idx on ledger_transactions (account_id, id)
    where user_id is not null`.execute(db);
  await patchFunction(db, 'ledger_execute(jsonb)', executePatches);
  await patchFunction(db, 'ledger_hold(ledger_context, jsonb, int)', holdPatches);
}

export async function down(db: Kysely<any>): Promise<void> {
  await patchFunction(db, 'ledger_hold(ledger_context, jsonb, int)', reversed(holdPatches));
  await patchFunction(db, 'ledger_execute(jsonb)', reversed(executePatches));
  await sql`drop index if exists ledger_transactions_user_idx`.execute(db);
  await sql`alter table usage_events drop column user_id`.execute(db);
  await sql`alter table holds drop column user_id`.execute(db);
  await sql`alter table ledger_transactions drop column user_id`.execute(db);
}
