import { sql, type Insertable } from 'kysely';
import type { UsageEventRejectionTable } from '../../db/schema-consumption.js';
import { ValidationError } from '../../errors.js';
import { resolveRule } from '../pricing/catalog.js';
import { isDecimal } from '../pricing/rational.js';
import { ensurePricingRegistered } from '../pricing/registry.js';
import type { ConsumptionDeps } from '../settings.js';
import { FUTURE_TOLERANCE_MS, usageEventSchema, type UsageEventInput } from './event-schema.js';

export type EventResult =
  | { index: number; id: string; status: 'accepted' | 'duplicate' }
  | { index: number; id: string | null; status: 'rejected'; reason: string; detail: string; errors?: { path: string; message: string }[] };

export interface IngestOptions {
  /** Accounts the caller may send events for (a customer key: its own only); others are rejected as unknown_account. */
  mayUse: (accountId: string) => boolean;
}

const DAY_MS = 86_400_000;

function rejected(
  index: number,
  id: string | null,
  reason: string,
  detail: string,
  errors?: { path: string; message: string }[],
): EventResult {
  return { index, id, status: 'rejected', reason, detail, ...(errors && { errors }) };
}

/** The quantity an event stands for: given, or read from the property its rule names, or 1 call for a per-call rule. */
function quantityOf(event: UsageEventInput, rule: { quantityProperty?: string | undefined; rate: { kind: string } }): string | null {
  if (event.quantity !== undefined) return event.quantity;
  const fromProperty = rule.quantityProperty === undefined ? undefined : event.properties?.[rule.quantityProperty];
  if (typeof fromProperty === 'string' && isDecimal(fromProperty)) return fromProperty;
  if (typeof fromProperty === 'number' && Number.isSafeInteger(fromProperty) && fromProperty >= 0) return String(fromProperty);
  return rule.rate.kind === 'per_call' ? '1' : null;
}

/**
 * Accepts a batch of usage events (R-C4..R-C6): each is validated on its own
 * and answered on its own (accepted, duplicate, rejected with a reason).
 * Accepted events are written before this returns (the 202 means stored);
 * they burn later in the background, in event-time order. Duplicates are
 * recognised by account and event id against every event ever stored: within
 * the batch in memory, against earlier batches by the one insert's conflict
 * on the primary key (an event it did not insert was already there).
 */
export async function ingestUsageEvents(deps: ConsumptionDeps, raw: readonly unknown[], options: IngestOptions): Promise<EventResult[]> {
  const { db } = deps.ledger;
  await ensurePricingRegistered(db, deps.catalog);
  const now = deps.ledger.clock();
  const oldest = now.getTime() - deps.settings.lateEventWindowDays * DAY_MS;
  const results: EventResult[] = [];
  /** Late events of known accounts: never billed, but listed in the account's usage view with their reason. */
  const late: Insertable<UsageEventRejectionTable>[] = [];
  const candidates: { index: number; event: UsageEventInput; quantity: string; eventTime: Date }[] = [];

  const parsed = raw.map((item, index) => ({ index, result: usageEventSchema.safeParse(item) }));
  const accountIds = [...new Set(parsed.flatMap((p) => (p.result.success ? [p.result.data.accountId] : [])))];
  const accounts = new Map(
    accountIds.length === 0
      ? []
      : (await db.selectFrom('accounts').select(['id', 'pricing_version', 'cohort']).where('id', 'in', accountIds).execute()).map((a) => [
          a.id,
          a,
        ]),
  );
  const seenInBatch = new Set<string>();

  for (const { index, result } of parsed) {
    if (!result.success) {
      const id = typeof (raw[index] as { id?: unknown })?.id === 'string' ? (raw[index] as { id: string }).id : null;
      const errors = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      results.push(rejected(index, id, 'invalid', 'The event is invalid; see errors.', errors));
      continue;
    }
    const event = result.data;
    const eventTime = new Date(event.timestamp);
    const account = accounts.get(event.accountId);
    if (!account || !options.mayUse(event.accountId)) {
      results.push(rejected(index, event.id, 'unknown_account', `Account ${event.accountId} does not exist.`));
      continue;
    }
    if (eventTime.getTime() < oldest) {
      const detail = `The event is older than the late-event window of ${deps.settings.lateEventWindowDays} days (event time ${event.timestamp}).`;
      results.push(rejected(index, event.id, 'late_event', detail));
      late.push({
        account_id: event.accountId,
        event_id: event.id,
        feature: event.feature,
        quantity: event.quantity ?? null,
        event_time: eventTime,
        received_at: now,
        reason: 'late_event',
        detail,
      });
      continue;
    }
    if (eventTime.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      results.push(rejected(index, event.id, 'future_event', `The event time ${event.timestamp} is in the future.`));
      continue;
    }
    let quantity: string | null;
    try {
      quantity = quantityOf(event, resolveRule(deps.catalog, account, event.feature, eventTime).featureRule);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const field = error.fieldErrors[0];
      results.push(rejected(index, event.id, field?.code ?? 'no_pricing', field?.message ?? error.message));
      continue;
    }
    if (quantity === null) {
      results.push(rejected(index, event.id, 'missing_quantity', `Feature ${event.feature} needs a quantity (or its quantity property).`));
      continue;
    }
    // Event ids are the sender's own: unique per account, never across tenants.
    const eventKey = `${event.accountId}\u0000${event.id}`;
    if (seenInBatch.has(eventKey)) {
      results.push({ index, id: event.id, status: 'duplicate' });
      continue;
    }
    seenInBatch.add(eventKey);
    candidates.push({ index, event, quantity, eventTime });
  }

  const inserted = new Set<string>();
  if (candidates.length > 0) {
    // One statement for the whole batch: seven arrays, not eight parameters per event; dedup by the primary key.
    const { rows } = await sql<{ account_id: string; id: string }>`
      insert into usage_events (id, account_id, feature, quantity, properties, event_time, received_at, status, user_id)
      select v.id, v.account_id, v.feature, v.quantity, v.properties::jsonb, v.event_time, ${now}, 'pending', v.user_id
      from unnest(
        ${candidates.map((c) => c.event.id)}::text[], ${candidates.map((c) => c.event.accountId)}::text[],
        ${candidates.map((c) => c.event.feature)}::text[], ${candidates.map((c) => c.quantity)}::text[],
        ${candidates.map((c) => JSON.stringify(c.event.properties ?? {}))}::text[],
        ${candidates.map((c) => c.eventTime.toISOString())}::timestamptz[], ${candidates.map((c) => c.event.userId ?? null)}::text[]
      ) as v(id, account_id, feature, quantity, properties, event_time, user_id)
      on conflict (account_id, id) do nothing
      returning account_id, id`.execute(db);
    for (const row of rows) inserted.add(`${row.account_id}\u0000${row.id}`);
  }
  if (late.length > 0) {
    await db
      .insertInto('usage_event_rejections')
      .values(late)
      .onConflict((oc) => oc.columns(['account_id', 'event_id']).doNothing())
      .execute();
  }
  for (const { index, event } of candidates) {
    results.push({ index, id: event.id, status: inserted.has(`${event.accountId}\u0000${event.id}`) ? 'accepted' : 'duplicate' });
  }
  return results.sort((a, b) => a.index - b.index);
}
