import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../db/database.js';
import type { WebhookEndpoint } from '../db/schema-notifications.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isEventType } from './catalog.js';
import { newEndpointSecret } from './signing.js';

/** The endpoint registry: customer URLs, the event types each wants and its signing secret. */
export interface EndpointView {
  id: string;
  accountId: string | null;
  url: string;
  eventTypes: string[];
  description: string | null;
  createdAt: string;
  /** While a rotation's grace lasts, deliveries are signed by the old secret too. */
  previousSecretExpiresAt: string | null;
}

export function endpointView(e: WebhookEndpoint): EndpointView {
  return {
    id: e.id,
    accountId: e.account_id,
    url: e.url,
    eventTypes: e.event_types,
    description: e.description,
    createdAt: e.created_at.toISOString(),
    previousSecretExpiresAt: e.previous_secret_expires_at?.toISOString() ?? null,
  };
}

export interface NewEndpoint {
  accountId: string | null;
  url: string;
  eventTypes: string[];
  description?: string | undefined;
  createdBy: string;
}

function checkEventTypes(eventTypes: string[]): void {
  const unknown = eventTypes.filter((t) => t !== '*' && !isEventType(t));
  if (unknown.length > 0) {
    throw new ValidationError(
      'Unknown event types',
      unknown.map((t) => ({ path: 'eventTypes', message: `${t} is not an event type; see GET /v1/event-types` })),
    );
  }
}

export async function createEndpoint(db: Database, input: NewEndpoint): Promise<EndpointView & { secret: string }> {
  checkEventTypes(input.eventTypes);
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      id: `we_${uuidv7().replaceAll('-', '')}`,
      account_id: input.accountId,
      url: input.url,
      event_types: [...new Set(input.eventTypes)],
      description: input.description ?? null,
      secret: newEndpointSecret(),
      created_by: input.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...endpointView(row), secret: row.secret };
}

/** Live endpoints; `accountId` narrows to one account's (a customer key sees only its own). */
export async function listEndpoints(db: Database, accountId: string | null | undefined): Promise<EndpointView[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null);
  if (accountId) q = q.where('account_id', '=', accountId);
  return (await q.orderBy('created_at').execute()).map(endpointView);
}

export async function findEndpoint(db: Database, id: string): Promise<WebhookEndpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new NotFoundError('webhook endpoint', id);
  return row;
}

/** Soft delete: pending deliveries to it are cancelled at their next attempt. */
export async function deleteEndpoint(db: Database, id: string, now: Date): Promise<void> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('webhook endpoint', id);
}

/** A new secret; the old one keeps signing beside it until `graceHours` have passed. */
export async function rotateEndpointSecret(
  db: Database,
  id: string,
  now: Date,
  graceHours: number,
): Promise<EndpointView & { secret: string }> {
  const current = await findEndpoint(db, id);
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      secret: newEndpointSecret(),
      previous_secret: current.secret,
      previous_secret_expires_at: new Date(now.getTime() + graceHours * 3_600_000),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...endpointView(row), secret: row.secret };
}
