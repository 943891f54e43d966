import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { EmailKind } from './kinds.js';
import { mailContext, renderMail } from './render.js';
import { emailTemplates } from './templates/index.js';
import type { MailSender } from './transport.js';

export type EmailAttemptOutcome =
  | { outcome: 'sent' }
  /** The server may accept it later (4xx, connection refused, timeout): retried with backoff. */
  | { outcome: 'failed'; error: string }
  /** The server refused the recipient or the message for good (5xx): not retried. */
  | { outcome: 'rejected'; error: string }
  /** Nothing to send: already sent, or cancelled (recipient removed, kind opted out since, event deleted). */
  | { outcome: 'gone' };

/**
 * One attempt of one mail. The opt-out and the recipient are checked again
 * here, not only when the relay queued the mail, so an unsubscribe stops
 * every mail not yet sent. SMTP errors are returned, not thrown: the email
 * delivery workflow owns the retry schedule; Temporal's own retry only
 * covers this activity's database work.
 */
export async function attemptEmailDelivery(
  db: Database,
  sender: MailSender,
  deliveryId: string,
  now: () => Date,
): Promise<EmailAttemptOutcome> {
  const row = await db
    .selectFrom('email_deliveries as d')
    .innerJoin('accounts as a', 'a.id', 'd.account_id')
    .leftJoin('outbox_events as e', 'e.id', 'd.event_id')
    .leftJoin('email_settings as s', 's.account_id', 'd.account_id')
    .leftJoin('email_recipients as r', (j) => j.onRef('r.account_id', '=', 'd.account_id').onRef('r.email', '=', 'd.recipient'))
    .select(['d.status', 'd.kind', 'd.recipient', 'd.locale', 'd.event_id', 'a.name', 'e.type', 'e.payload', 's.opt_out', 'r.email'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirstOrThrow();
  if (row.status !== 'pending') return { outcome: 'gone' };
  if (row.type === null || row.email === null || (row.opt_out ?? []).includes(row.kind)) {
    await finish(db, deliveryId, 'cancelled', now(), null);
    return { outcome: 'gone' };
  }

  const mail = renderMail(
    emailTemplates[row.kind as EmailKind],
    mailContext({ locale: row.locale, accountName: row.name, eventType: row.type, data: row.payload }),
  );
  const attemptAt = now();
  try {
    await sender.send({
      deliveryId,
      to: row.recipient,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { 'X-Burndown-Event-Id': row.event_id, 'X-Burndown-Kind': row.kind, 'Content-Language': mail.locale },
    });
  } catch (error) {
    const { permanent, message } = smtpError(error);
    await db
      .updateTable('email_deliveries')
      .set({ attempts: sql<number>`attempts + 1`, last_error: message, last_attempt_at: attemptAt })
      .where('id', '=', deliveryId)
      .execute();
    if (!permanent) return { outcome: 'failed', error: message };
    await finish(db, deliveryId, 'failed', now(), message);
    return { outcome: 'rejected', error: message };
  }
  await db
    .updateTable('email_deliveries')
    .set({ attempts: sql<number>`attempts + 1`, last_error: null, last_attempt_at: attemptAt, status: 'sent', completed_at: now() })
    .where('id', '=', deliveryId)
    .execute();
  return { outcome: 'sent' };
}

async function finish(db: Database, deliveryId: string, status: 'cancelled' | 'failed', at: Date, error: string | null) {
  await db
    .updateTable('email_deliveries')
    .set({ status, completed_at: at, ...(error !== null && { last_error: error }) })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * What a failed attempt records: nodemailer's error code and the server's
 * reply code and text (never the credentials). A 5xx reply to the envelope or
 * the message is permanent; anything else (4xx, network) may pass later.
 */
export function smtpError(error: unknown): { permanent: boolean; message: string } {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && ['EENVELOPE', 'EMESSAGE'].includes(e.code ?? '');
  const detail = (e.response ?? e.message ?? 'unknown error').slice(0, 300);
  return { permanent, message: [e.code, e.responseCode, detail].filter((p) => p !== undefined).join(' ') };
}

/** After the last attempt: the mail is given up (status failed). */
export async function deadLetterEmail(db: Database, deliveryId: string, now: Date): Promise<void> {
  await finish(db, deliveryId, 'failed', now, null);
}
