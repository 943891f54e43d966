import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { Mode } from '../db/schema.js';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../db/schema-notifications.js';
import { ConflictError, NotFoundError } from '../errors.js';

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  sequence: string;
  accountId: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  replays: number;
  createdAt: string;
  lastAttemptAt: string | null;
  completedAt: string | null;
}

export function deliveryView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id,
    endpointId: d.endpoint_id,
    eventId: d.event_id,
    sequence: d.event_seq.toString(),
    accountId: d.account_id,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    replays: d.replays,
    createdAt: d.created_at.toISOString(),
    lastAttemptAt: d.last_attempt_at?.toISOString() ?? null,
    completedAt: d.completed_at?.toISOString() ?? null,
  };
}

export interface DeliveryFilter {
  status?: WebhookDeliveryStatus | undefined;
  endpointId?: string | undefined;
  /** Deliveries to this account's endpoints (the endpoint's owner decides who sees a delivery, not the event's account). */
  endpointAccountId?: string | null | undefined;
  /** Deliveries to endpoints of this mode only. */
  mode: Mode;
  /** Cursor: deliveries created before this one (by id order). */
  before?: string | undefined;
  limit: number;
}

/** The dead-letter list is `status: failed`; newest first. */
export async function listDeliveries(db: Database, filter: DeliveryFilter): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
  let q = db.selectFrom('webhook_deliveries as d').selectAll('d');
  if (filter.status) q = q.where('d.status', '=', filter.status);
  if (filter.endpointId) q = q.where('d.endpoint_id', '=', filter.endpointId);
  let owned = db.selectFrom('webhook_endpoints').select('id').where('mode', '=', filter.mode);
  if (filter.endpointAccountId) owned = owned.where('account_id', '=', filter.endpointAccountId);
  q = q.where('d.endpoint_id', 'in', owned);
  if (filter.before) q = q.where('d.id', '<', filter.before);
  const rows = await q
    .orderBy('d.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  return { data: page.map(deliveryView), nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null };
}

export async function getDelivery(db: Database | Tx, id: string): Promise<WebhookDelivery> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('webhook delivery', id);
  return row;
}

/**
 * Puts a dead-lettered delivery back in the queue: a fresh delivery workflow
 * (with a full retry schedule) is started for it by the next relay run.
 */
export async function replayDelivery(db: Database | Tx, id: string): Promise<DeliveryView> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', replays: sql<number>`replays + 1`, workflow_started: false, completed_at: null })
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'cancelled'])
    .returningAll()
    .executeTakeFirst();
  if (row) return deliveryView(row);
  const existing = await getDelivery(db, id);
  throw new ConflictError(
    'delivery_not_replayable',
    `Delivery ${id} is ${existing.status}; only failed or cancelled deliveries can be replayed`,
  );
}
