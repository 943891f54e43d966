import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import { kindOfEvent } from './kinds.js';

/**
 * Queues the customer mails of a batch of outbox events, in the relay's
 * transaction (src/notifications/relay.ts): one row per event and recipient
 * of the event's live account whose kind the account has not opted out of.
 * The unique (event_id, recipient) makes a second run over the same events
 * queue nothing. Sending happens later, in a workflow per mail, so neither
 * the ledger transaction nor the relay ever waits for SMTP.
 */
export async function queueEmailDeliveries(tx: Tx, seqs: bigint[]): Promise<number> {
  const types = Object.keys(kindOfEvent);
  const kinds = types.map((t) => kindOfEvent[t]!);
  const result = await sql`
    insert into email_deliveries (id, event_id, event_seq, account_id, kind, recipient, locale)
    select 'em_' || replace(gen_random_uuid()::text, '-', ''), k.id, k.seq, k.account_id, k.kind, r.email, r.locale
    from (
      select e.id, e.seq, e.account_id,
             case when g.source = 'trial' then 'trial_ending' else m.kind end as kind
      from outbox_events e
      join unnest(${types}::text[], ${kinds}::text[]) as m(type, kind) on m.type = e.type
      left join grants g on e.type = 'grant.expiring' and g.account_id = e.account_id and g.id = e.payload->>'grantId'
      where e.seq = any(${seqs}::int8[])
    ) k
    join accounts a on a.id = k.account_id and a.mode = 'live'
    join email_recipients r on r.account_id = k.account_id
    left join email_settings s on s.account_id = k.account_id
    where not (k.kind = any(coalesce(s.opt_out, '{}'::text[])))
    order by k.seq, r.email
    on conflict (event_id, recipient) do nothing`.execute(tx);
  return Number(result.numAffectedRows ?? 0n);
}
