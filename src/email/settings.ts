import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import type { Database, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { LedgerDeps } from '../ledger/index.js';
import { requireAccount } from '../ledger/index.js';
import { emailKinds, type EmailKind } from './kinds.js';

export interface EmailSettingsView {
  accountId: string;
  recipients: { email: string; locale: string }[];
  optOut: EmailKind[];
  /** Every kind there is, so a settings page can list them without a copy of the list. */
  kinds: EmailKind[];
}

async function readSettings(db: Database | Tx, accountId: string): Promise<EmailSettingsView> {
  const recipients = await db
    .selectFrom('email_recipients')
    .select(['email', 'locale'])
    .where('account_id', '=', accountId)
    .orderBy('email')
    .execute();
  const settings = await db.selectFrom('email_settings').select('opt_out').where('account_id', '=', accountId).executeTakeFirst();
  const optOut = emailKinds.filter((k) => settings?.opt_out.includes(k));
  return { accountId, recipients, optOut, kinds: [...emailKinds] };
}

/** Who of an existing account gets which mails. */
export async function emailSettingsOf(ledger: LedgerDeps, accountId: string): Promise<EmailSettingsView> {
  await requireAccount(ledger.db, accountId);
  return readSettings(ledger.db, accountId);
}

/**
 * Replaces an account's recipients, its opt-outs, or both, audited with before and
 * after in the same transaction. Mails already queued but not yet sent follow
 * the new settings: each attempt checks them again (src/email/delivery.ts).
 */
export async function setEmailSettings(
  ledger: LedgerDeps,
  input: {
    accountId: string;
    recipients?: { email: string; locale: string }[] | undefined;
    optOut?: EmailKind[] | undefined;
  },
  audit: AuditContext,
): Promise<EmailSettingsView> {
  await requireAccount(ledger.db, input.accountId);
  return inTransaction(ledger.db, async (tx) => {
    // The account row is the lock: two concurrent PUTs apply one after the other, each audited against the other's result.
    await tx.selectFrom('accounts').select('id').where('id', '=', input.accountId).forUpdate().execute();
    const before = await readSettings(tx, input.accountId);
    if (input.recipients) {
      await tx.deleteFrom('email_recipients').where('account_id', '=', input.accountId).execute();
      if (input.recipients.length > 0) {
        await tx
          .insertInto('email_recipients')
          .values(input.recipients.map((r) => ({ account_id: input.accountId, email: r.email, locale: r.locale })))
          .execute();
      }
    }
    if (input.optOut) {
      await tx
        .insertInto('email_settings')
        .values({ account_id: input.accountId, opt_out: input.optOut })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ opt_out: input.optOut!, updated_at: ledger.clock() }))
        .execute();
    }
    const after = await readSettings(tx, input.accountId);
    await writeAudit(tx, {
      ...audit,
      action: 'email_settings.set',
      targetType: 'account',
      targetId: input.accountId,
      accountId: input.accountId,
      before: { recipients: before.recipients, optOut: before.optOut },
      after: { recipients: after.recipients, optOut: after.optOut },
      occurredAt: ledger.clock(),
    });
    return after;
  });
}
