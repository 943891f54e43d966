import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';

const DAY_MS = 86_400_000;

/** How long each kind of removable data is kept (DATA_RETENTION_* settings), in days. */
export interface RetentionWindows {
  usagePropertiesDays: number;
  eventsDays: number;
  auditIpDays: number;
}

/** What one pass removed, by kind. */
export interface RetentionResult {
  usageEventProperties: number;
  idempotencyRecords: number;
  outboxEvents: number;
  webhookDeliveries: number;
  auditSourceIps: number;
}

/**
 * One batch of retention (R-A4), each kind in its own short transaction and at
 * most `batch` rows of each, so a large backlog never holds locks for long;
 * the caller repeats until a pass removes nothing. What it removes:
 *
 * - usage-event properties (the raw payload a product sent) of rated events
 *   received before the window: the feature, quantity, cost and ledger link stay;
 * - idempotency records past their own expiry;
 * - outbox events older than the window that the relay has passed and that
 *   no delivery still waits for, with their webhook deliveries (the bodies
 *   sent to endpoints);
 * - source IPs in the audit log older than the window (the audit trigger lets
 *   exactly this through under burndown.retention).
 *
 * Never touched: ledger entries and transactions, grants, balances, the hash
 * chain and its anchors, the journal.
 */
export async function applyRetentionBatch(db: Database, now: Date, windows: RetentionWindows, batch: number): Promise<RetentionResult> {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);

  const usage = await sql`
    update usage_events set properties = '{}'::jsonb
     where ctid = any (array(
       select ctid from usage_events
        where properties <> '{}'::jsonb and received_at < ${before(windows.usagePropertiesDays)}
          and status not in ('pending', 'awaiting_funds')
        limit ${batch}))`.execute(db);

  const idempotency = await sql`
    delete from idempotency_keys
     where ctid = any (array(select ctid from idempotency_keys where expires_at < ${now} limit ${batch}))`.execute(db);

  const events = await inTransaction(db, async (tx) => {
    // Relayed: at or below every relay cursor (the relay drops its own dispatch marks up to it). Settled: no delivery pending.
    const { rows } = await sql<{ id: string }>`
      select e.id from outbox_events e
       where e.occurred_at < ${before(windows.eventsDays)}
         and e.seq <= coalesce((select min(cursor_seq) from outbox_relay_state), 0)
         and not exists (select from webhook_deliveries d where d.event_id = e.id and d.status = 'pending')
       order by e.occurred_at
       limit ${batch}
       for update skip locked`.execute(tx);
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) return { events: 0, deliveries: 0 };
    const deliveries = await tx.deleteFrom('webhook_deliveries').where('event_id', 'in', ids).executeTakeFirst();
    const deleted = await tx.deleteFrom('outbox_events').where('id', 'in', ids).executeTakeFirst();
    return { events: Number(deleted.numDeletedRows), deliveries: Number(deliveries.numDeletedRows) };
  });

  const auditIps = await inTransaction(db, async (tx) => {
    await sql`select set_config('burndown.retention', 'on', true)`.execute(tx);
    return sql`
      update audit_log set source_ip = null
       where id = any (array(
         select id from audit_log where source_ip is not null and occurred_at < ${before(windows.auditIpDays)} limit ${batch}))`.execute(
      tx,
    );
  });

  return {
    usageEventProperties: Number(usage.numAffectedRows ?? 0n),
    idempotencyRecords: Number(idempotency.numAffectedRows ?? 0n),
    outboxEvents: events.events,
    webhookDeliveries: events.deliveries,
    auditSourceIps: Number(auditIps.numAffectedRows ?? 0n),
  };
}
