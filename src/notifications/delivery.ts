import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { fetch, type Dispatcher } from 'undici';
import { secretsKeyOf } from '../auth/secret-box.js';
import type { EventEnvelope } from './catalog.js';
import { openEndpointSecrets } from './endpoints.js';
import { signedHeaders, signingSecrets } from './signing.js';
import { checkUrl, webhookDispatcher, type WebhookTargetPolicy } from './webhook-target.js';

export interface DeliverySettings {
  timeoutMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  userAgent?: string;
  /** SSRF defences: public addresses only, unless WEBHOOK_ALLOW_PRIVATE_HOSTS names the host (default: none). */
  target?: WebhookTargetPolicy;
  /** SECRETS_ENCRYPTION_KEY (default: the development key). */
  secretsKey?: Buffer;
}

const dispatchers = new WeakMap<DeliverySettings, Dispatcher>();
/** One guarded HTTP client per settings: every connection's address is checked as it is dialled. */
function dispatcherFor(settings: DeliverySettings): Dispatcher {
  let dispatcher = dispatchers.get(settings);
  if (!dispatcher) dispatchers.set(settings, (dispatcher = webhookDispatcher(settings.target ?? defaultTarget)));
  return dispatcher;
}
const defaultTarget: WebhookTargetPolicy = { httpsOnly: false, allowPrivateHosts: [] };

export type AttemptOutcome =
  | { outcome: 'delivered'; statusCode: number }
  | { outcome: 'failed'; statusCode: number | null; error: string }
  | { outcome: 'circuit_open'; retryInMs: number }
  /** Nothing to do: the endpoint was deleted, or the delivery is no longer pending. */
  | { outcome: 'gone' };

/**
 * One attempt of one delivery: the signed POST, its result recorded, and the
 * endpoint's circuit breaker updated. HTTP failures are returned, not thrown:
 * the delivery workflow owns the retry schedule (backoff with jitter over days),
 * and Temporal's own retry only covers this activity's database work.
 *
 * Circuit breaker (per endpoint): after `breakerFailures` failures in a row the
 * breaker opens for the cooldown; while open no request is made and the caller
 * waits. When the cooldown ends exactly one attempt claims the probe (by moving
 * open_until forward atomically); its success closes the breaker for everyone.
 */
export async function attemptDelivery(
  db: Database,
  deliveryId: string,
  now: () => Date,
  settings: DeliverySettings,
): Promise<AttemptOutcome> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
    .leftJoin('webhook_endpoint_health as h', 'h.endpoint_id', 'w.id')
    .select([
      'd.status',
      'w.id as endpoint_id',
      'w.url',
      'w.secret',
      'w.previous_secret',
      'w.previous_secret_expires_at',
      'w.deleted_at',
      'e.id as event_id',
      'e.seq',
      'e.type',
      'e.schema_version',
      'e.occurred_at',
      'e.account_id',
      'e.payload',
      'h.consecutive_failures',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirstOrThrow();
  if (row.status !== 'pending') return { outcome: 'gone' };
  if (row.deleted_at !== null) {
    await db.updateTable('webhook_deliveries').set({ status: 'cancelled', completed_at: now() }).where('id', '=', deliveryId).execute();
    return { outcome: 'gone' };
  }

  if ((row.consecutive_failures ?? 0) >= settings.breakerFailures) {
    const probeUntil = new Date(now().getTime() + settings.breakerCooldownMs);
    const claimed = await db
      .updateTable('webhook_endpoint_health')
      .set({ open_until: probeUntil, updated_at: now() })
      .where('endpoint_id', '=', row.endpoint_id)
      .where((eb) => eb.or([eb('open_until', 'is', null), eb('open_until', '<=', now())]))
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) {
      const health = await db
        .selectFrom('webhook_endpoint_health')
        .select('open_until')
        .where('endpoint_id', '=', row.endpoint_id)
        .executeTakeFirstOrThrow();
      return { outcome: 'circuit_open', retryInMs: Math.max(1, (health.open_until?.getTime() ?? 0) - now().getTime()) };
    }
  }

  const envelope: EventEnvelope = {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    sequence: row.seq.toString(),
    occurredAt: row.occurred_at.toISOString(),
    accountId: row.account_id,
    data: row.payload,
  };
  const body = JSON.stringify(envelope);
  const sentAt = now();
  let statusCode: number | null = null;
  let error: string | null = null;
  // A literal address never reaches the lookup: checked here, as the scheme is (https in production).
  const refused = checkUrl(new URL(row.url), settings.target ?? defaultTarget);
  if (refused) error = `refused: the URL ${refused}`;
  else {
    try {
      const secrets = openEndpointSecrets(settings.secretsKey ?? secretsKeyOf({}), { ...row, id: row.endpoint_id });
      const response = await fetch(row.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        dispatcher: dispatcherFor(settings),
        signal: AbortSignal.timeout(settings.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': settings.userAgent ?? 'Burndown-Webhooks/1',
          ...signedHeaders(signingSecrets(secrets, sentAt), row.event_id, sentAt, body),
        },
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (e) {
      error = deliveryError(e);
    }
  }

  const delivered = error === null;
  await db
    .updateTable('webhook_deliveries')
    .set({
      attempts: sql<number>`attempts + 1`,
      last_status_code: statusCode,
      last_error: error,
      last_attempt_at: sentAt,
      ...(delivered && { status: 'succeeded' as const, completed_at: now() }),
    })
    .where('id', '=', deliveryId)
    .execute();
  if (delivered) {
    await db
      .insertInto('webhook_endpoint_health')
      .values({ endpoint_id: row.endpoint_id, consecutive_failures: 0, open_until: null, updated_at: now() })
      .onConflict((oc) => oc.column('endpoint_id').doUpdateSet({ consecutive_failures: 0, open_until: null, updated_at: now() }))
      .execute();
    return { outcome: 'delivered', statusCode: statusCode! };
  }
  const openUntil = new Date(now().getTime() + settings.breakerCooldownMs);
  await sql`
    insert into webhook_endpoint_health (endpoint_id, consecutive_failures, open_until, updated_at)
    values (${row.endpoint_id}, 1, case when 1 >= ${settings.breakerFailures} then ${openUntil}::timestamptz end, ${now()})
    on conflict (endpoint_id) do update set
      consecutive_failures = webhook_endpoint_health.consecutive_failures + 1,
      open_until = case when webhook_endpoint_health.consecutive_failures + 1 >= ${settings.breakerFailures}
                        then greatest(webhook_endpoint_health.open_until, ${openUntil}::timestamptz) end,
      updated_at = excluded.updated_at`.execute(db);
  return { outcome: 'failed', statusCode, error: error! };
}

/**
 * What a failed attempt records (and shows the endpoint's owner): the kind of
 * failure, not the network's details, so deliveries are no port scanner.
 */
function deliveryError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; name?: string } })?.cause;
  if (cause?.code === 'EBLOCKEDTARGET') return 'refused: the host resolves to a private address';
  if ((e as Error)?.name === 'TimeoutError' || (e as Error)?.name === 'AbortError') return 'timeout';
  return 'connection failed';
}

/** After the last attempt: the delivery joins the dead-letter list (status failed). */
export async function deadLetterDelivery(db: Database, deliveryId: string, now: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', completed_at: now })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}
