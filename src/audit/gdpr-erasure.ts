import { sql } from 'kysely';
import { writeAudit } from './audit-log.js';
import type { Database, Tx } from '../db/database.js';
import { NotFoundError } from '../errors.js';

export const ERASED_NAME = '[erased]';

export interface ErasureResult {
  accountId: string;
  erasedAt: string;
  fields: string[];
  /** true when the account had been erased before (the call changed nothing). */
  alreadyErased: boolean;
}

/**
 * GDPR erasure (R-A4): removes the personal data of an account — its name,
 * its metadata and the free-form properties of its usage events — and keeps
 * the ledger. Ledger rows carry only the pseudonymous account id, amounts and
 * who acted (staff or service keys), never the customer's name, so they stay
 * (retention: DATA_RETENTION_YEARS) and the hash chain, which covers only
 * ledger fields, still verifies. Idempotent: a second call changes nothing.
 */
export async function eraseAccount(db: Database, accountId: string, by: string, at: Date): Promise<ErasureResult> {
  return db.transaction().execute(async (tx) => {
    const account = await tx.selectFrom('accounts').select(['id']).where('id', '=', accountId).forUpdate().executeTakeFirst();
    if (!account) throw new NotFoundError('account', accountId);
    const earlier = await tx.selectFrom('gdpr_erasures').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    const fields = ['accounts.name', 'accounts.metadata'];
    await tx.updateTable('accounts').set({ name: ERASED_NAME, metadata: '{}', updated_at: at }).where('id', '=', accountId).execute();
    const { rows } = await sql<{ found: string | null }>`select to_regclass('usage_events')::text as found`.execute(tx);
    if (rows[0]?.found) {
      await sql`update usage_events set properties = '{}'::jsonb where account_id = ${accountId} and properties <> '{}'::jsonb`.execute(tx);
      fields.push('usage_events.properties');
    }
    await eraseEmailAddresses(tx, accountId);
    fields.push('email_recipients', 'email_deliveries.recipient');
    await scrubAuditRows(tx, accountId);
    if (earlier) return { accountId, erasedAt: earlier.erased_at.toISOString(), fields: earlier.fields, alreadyErased: true };
    await tx.insertInto('gdpr_erasures').values({ account_id: accountId, requested_by: by, erased_at: at, fields }).execute();
    // The audit record says what was erased, never the values.
    await writeAudit(tx, {
      actor: by,
      action: 'account.erase',
      targetType: 'account',
      targetId: accountId,
      accountId,
      after: { fields },
      occurredAt: at,
    });
    return { accountId, erasedAt: at.toISOString(), fields, alreadyErased: false };
  });
}

/** The fields of an audited document that can hold personal data (account names, metadata, descriptions, contacts). */
const PERSONAL_FIELDS = ['name', 'metadata', 'description', 'domain', 'email', 'recipients', 'properties'];

/** The account's mail recipients go; its mail history keeps kind and status, not the address, and nothing unsent is sent. */
async function eraseEmailAddresses(tx: Tx, accountId: string): Promise<void> {
  await tx.deleteFrom('email_recipients').where('account_id', '=', accountId).execute();
  await sql`update email_deliveries set recipient = 'erased:' || id,
      status = case when status = 'pending' then 'cancelled' else status end,
      completed_at = coalesce(completed_at, now())
    where account_id = ${accountId} and recipient not like 'erased:%'`.execute(tx);
}

/**
 * The audit log keeps what was done, by whom and when; erasure removes the
 * personal data from its before/after documents (issue 14, finding 8). The
 * log is append-only: its trigger lets exactly this through, only in a
 * transaction that says it erases (burndown.erasure) and only for before/after.
 */
async function scrubAuditRows(tx: Tx, accountId: string): Promise<void> {
  await sql`select set_config('burndown.erasure', 'on', true)`.execute(tx);
  const personal = sql`${PERSONAL_FIELDS}::text[]`;
  const marker = sql`'{"personalDataErased": true}'::jsonb`;
  await sql`update audit_log set
      before = case when before ?| ${personal} then (before - ${personal}) || ${marker} else before end,
      after = case when after ?| ${personal} then (after - ${personal}) || ${marker} else after end
    where account_id = ${accountId} and (before ?| ${personal} or after ?| ${personal})`.execute(tx);
  await sql`select set_config('burndown.erasure', 'off', true)`.execute(tx);
}
