import type { Database } from '../db/database.js';
import type { EmailDelivery, EmailDeliveryStatus } from '../db/schema-email.js';

export interface EmailDeliveryView {
  id: string;
  eventId: string;
  kind: string;
  recipient: string;
  locale: string;
  status: EmailDeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  completedAt: string | null;
}

const view = (d: EmailDelivery): EmailDeliveryView => ({
  id: d.id,
  eventId: d.event_id,
  kind: d.kind,
  recipient: d.recipient,
  locale: d.locale,
  status: d.status,
  attempts: d.attempts,
  lastError: d.last_error,
  createdAt: d.created_at.toISOString(),
  lastAttemptAt: d.last_attempt_at?.toISOString() ?? null,
  completedAt: d.completed_at?.toISOString() ?? null,
});

/** An account's mails, newest first (by id, which is random: by created_at, then id); `status: failed` is what support looks at. */
export async function listEmailDeliveries(
  db: Database,
  filter: { accountId: string; status?: EmailDeliveryStatus | undefined; limit: number },
): Promise<{ data: EmailDeliveryView[] }> {
  let q = db.selectFrom('email_deliveries').selectAll().where('account_id', '=', filter.accountId);
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return { data: rows.map(view) };
}
