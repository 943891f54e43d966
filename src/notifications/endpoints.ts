import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { openSecret, sealSecret } from '../auth/secret-box.js';
import type { Database, Tx } from '../db/database.js';
import type { Mode } from '../db/schema.js';
import type { WebhookEndpoint } from '../db/schema-notifications.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isEventType } from './catalog.js';
import { newEndpointSecret } from './signing.js';

/** The endpoint registry: customer URLs, the event types each wants and its signing secret. */
export interface EndpointView {
  id: string;
  accountId: string | null;
  url: string;
  eventTypes: string[];
  description: string | null;
  mode: Mode;
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
    mode: e.mode,
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
  /** Live or test: receives the events of accounts of its mode only. */
  mode: Mode;
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

/**
 * Registers an endpoint, within the cap of live endpoints per account (the
 * operator's global ones count together). The signing secret is stored
 * sealed under the configuration's key and returned in clear this once.
 */
export async function createEndpoint(
  tx: Tx,
  input: NewEndpoint,
  limits: { key: Buffer; maxPerAccount: number },
): Promise<EndpointView & { secret: string }> {
  checkEventTypes(input.eventTypes);
  // One registration at a time per account, so the cap holds under concurrency.
  await sql`select pg_advisory_xact_lock(hashtext('webhook_endpoints'), hashtext(${input.accountId ?? ''}))`.execute(tx);
  let live = tx
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('deleted_at', 'is', null);
  live = input.accountId === null ? live.where('account_id', 'is', null) : live.where('account_id', '=', input.accountId);
  const { n } = await live.executeTakeFirstOrThrow();
  if (Number(n) >= limits.maxPerAccount) {
    throw new ConflictError(
      'endpoint_limit_reached',
      `${input.accountId ?? 'The operator'} has ${n} webhook endpoints, the most allowed (WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT); delete one first`,
    );
  }
  const id = `we_${uuidv7().replaceAll('-', '')}`;
  const secret = newEndpointSecret();
  const row = await tx
    .insertInto('webhook_endpoints')
    .values({
      id,
      account_id: input.accountId,
      url: input.url,
      event_types: [...new Set(input.eventTypes)],
      description: input.description ?? null,
      secret: sealSecret(limits.key, secret, id),
      created_by: input.createdBy,
      mode: input.mode,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...endpointView(row), secret };
}

/** The endpoint's signing secrets in clear (current, and previous during a rotation's grace). */
export function openEndpointSecrets<T extends { id: string; secret: string; previous_secret: string | null }>(key: Buffer, row: T): T {
  return {
    ...row,
    secret: openSecret(key, row.secret, row.id),
    previous_secret: row.previous_secret === null ? null : openSecret(key, row.previous_secret, row.id),
  };
}

/** Live endpoints; `accountId` narrows to one account's (a customer key sees only its own). */
export async function listEndpoints(db: Database, accountId: string | null | undefined, mode: Mode): Promise<EndpointView[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null).where('mode', '=', mode);
  if (accountId) q = q.where('account_id', '=', accountId);
  return (await q.orderBy('created_at').execute()).map(endpointView);
}

export async function findEndpoint(db: Database | Tx, id: string): Promise<WebhookEndpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new NotFoundError('webhook endpoint', id);
  return row;
}

/** Soft delete: pending deliveries to it are cancelled at their next attempt. */
export async function deleteEndpoint(db: Database | Tx, id: string, now: Date): Promise<void> {
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
  db: Database | Tx,
  id: string,
  now: Date,
  graceHours: number,
  key: Buffer,
): Promise<EndpointView & { secret: string }> {
  const current = await findEndpoint(db, id);
  const secret = newEndpointSecret();
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      secret: sealSecret(key, secret, id),
      // Still sealed (and legacy plaintext gets sealed now).
      previous_secret: sealSecret(key, openSecret(key, current.secret, id), id),
      previous_secret_expires_at: new Date(now.getTime() + graceHours * 3_600_000),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...endpointView(row), secret };
}
