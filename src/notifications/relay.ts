import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { queueEmailDeliveries } from '../email/queue.js';

export const RELAY_NAME = 'default';
/** Events that ask the account owner in HubSpot to act. */
export const CRM_TASK_EVENT_TYPES = ['recharge.failed', 'balance.depleted'] as const;

export interface DispatchResult {
  dispatched: number;
  deliveriesCreated: number;
  emailsQueued: number;
  cursor: string;
}

/**
 * One relay step, in one transaction: takes the oldest undispatched outbox
 * events in seq order, creates a webhook delivery per matching endpoint,
 * queues customer mails (src/email/queue.ts) and CRM work for accounts linked to HubSpot, and marks the events
 * dispatched. Either all of that commits or none of it does, so an event is
 * never lost and never fanned out twice.
 *
 * Never skipped: identity seq values are taken at insert time but become
 * visible at commit, so a slow transaction can commit seq 7 after seq 8 was
 * relayed. Each dispatched event therefore gets a marker row, and the search
 * for work is "above the cursor and without a marker". The cursor (which only
 * keeps that search short) moves past a marker only once it is older than the
 * grace period: any transaction holding a lower seq took it before that
 * event committed, so after the grace it has committed (and been seen, since
 * it has no marker) or rolled back. This assumes no transaction that writes
 * the outbox stays open longer than the grace (5 minutes by default).
 */
export async function dispatchOutboxBatch(db: Database, options: { limit: number; graceSeconds: number }): Promise<DispatchResult> {
  return inTransaction(db, async (tx) => {
    await tx
      .insertInto('outbox_relay_state')
      .values({ name: RELAY_NAME })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    // One relay at a time: the state row is the lock.
    const state = await tx
      .selectFrom('outbox_relay_state')
      .selectAll()
      .where('name', '=', RELAY_NAME)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const cursor = state.cursor_seq;
    const events = await tx
      .selectFrom('outbox_events as e')
      .select(['e.id', 'e.seq', 'e.account_id', 'e.type', 'e.created_at'])
      .where('e.seq', '>', cursor)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('outbox_dispatches as d').select('d.seq').whereRef('d.seq', '=', 'e.seq'))))
      .orderBy('e.seq')
      .limit(options.limit)
      .execute();

    let deliveriesCreated = 0;
    let emailsQueued = 0;
    if (events.length > 0) {
      const seqs = events.map((e) => e.seq);
      const matches = await tx
        .selectFrom('outbox_events as e')
        // Events of a test-mode account go to test endpoints only, and a live account's to live ones (docs/TEST-MODE.md).
        .leftJoin('accounts as a', 'a.id', 'e.account_id')
        .innerJoin('webhook_endpoints as w', (j) =>
          j
            .on('w.deleted_at', 'is', null)
            .on(sql<boolean>`w.mode = coalesce(a.mode, 'live')`)
            .on((eb) => eb.or([eb('w.account_id', 'is', null), eb('w.account_id', '=', eb.ref('e.account_id'))]))
            .on(sql<boolean>`(e.type = any(w.event_types) or '*' = any(w.event_types))`)
            .on(sql<boolean>`w.created_at <= e.created_at`),
        )
        .select(['e.id as event_id', 'e.seq', 'e.account_id', 'w.id as endpoint_id'])
        .where('e.seq', 'in', seqs)
        .orderBy('e.seq')
        .execute();
      if (matches.length > 0) {
        const inserted = await tx
          .insertInto('webhook_deliveries')
          .values(
            matches.map((m) => ({
              id: `whd_${uuidv7().replaceAll('-', '')}`,
              endpoint_id: m.endpoint_id,
              event_id: m.event_id,
              event_seq: m.seq,
              account_id: m.account_id,
            })),
          )
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .executeTakeFirst();
        deliveriesCreated = Number(inserted.numInsertedOrUpdatedRows ?? 0n);
      }
      await sql`
        insert into crm_tasks (event_id, account_id, kind)
        select e.id, e.account_id, e.type from outbox_events e
        join crm_links l on l.account_id = e.account_id
        join accounts a on a.id = e.account_id and a.mode = 'live'
        where e.seq = any(${seqs}::int8[]) and e.type = any(${[...CRM_TASK_EVENT_TYPES]}::text[])
        on conflict (event_id) do nothing`.execute(tx);
      await sql`
        insert into crm_sync_marks (account_id, pending, marked_at)
        select distinct e.account_id, true, now() from outbox_events e
        join crm_links l on l.account_id = e.account_id
        join accounts a on a.id = e.account_id and a.mode = 'live'
        where e.seq = any(${seqs}::int8[])
        on conflict (account_id) do update set pending = true, marked_at = excluded.marked_at where not crm_sync_marks.pending`.execute(tx);
      emailsQueued = await queueEmailDeliveries(tx, seqs);
      await tx
        .insertInto('outbox_dispatches')
        .values(events.map((e) => ({ seq: e.seq, event_id: e.id })))
        .execute();
    }

    // Move the cursor over markers older than the grace, but never past an
    // event that is visible and still undispatched (a batch left over).
    const { rows } = await sql<{ next: bigint | null }>`
      select max(d.seq) as next from outbox_dispatches d
      where d.seq > ${cursor}
        and d.dispatched_at < now() - make_interval(secs => ${options.graceSeconds})
        and d.seq < coalesce((
          select min(e.seq) from outbox_events e
          where e.seq > ${cursor} and not exists (select 1 from outbox_dispatches x where x.seq = e.seq)
        ), 9223372036854775807)`.execute(tx);
    const next = rows[0]?.next ?? null;
    if (next !== null && BigInt(next) > cursor) {
      await tx
        .updateTable('outbox_relay_state')
        .set({ cursor_seq: BigInt(next), updated_at: sql`now()` })
        .where('name', '=', RELAY_NAME)
        .execute();
      await tx.deleteFrom('outbox_dispatches').where('seq', '<=', BigInt(next)).execute();
    }
    return {
      dispatched: events.length,
      deliveriesCreated,
      emailsQueued,
      cursor: (next !== null && BigInt(next) > cursor ? BigInt(next) : cursor).toString(),
    };
  });
}
