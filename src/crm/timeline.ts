import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { formatAmount, formatMoney } from '../money/amount.js';
import type { CrmGateway, CrmNoteInput } from './gateway.js';
import { HUBSPOT_BATCH_LIMIT } from './hubspot-notes.js';

/** Batches of notes one sync makes at most; an account with more history is marked to sync again (its next round goes on). */
export const TIMELINE_BATCHES_PER_SYNC = 5;

/**
 * One item of an account's history that HubSpot shows as a note on the company:
 * a purchase or support grant, a refund, a void, an expiry (one ledger
 * transaction each), a dispute opened or decided. Its key is stable for ever:
 * `<account>:<transaction id>` or `<account>:dispute:<id>:<opened|resolved|rejected>`.
 */
export interface HistoryItem {
  key: string;
  at: Date;
  kind: string;
  creditType: string;
  amount: string | null;
  money: string | null;
  reason: string | null;
  ref: string;
}

interface HistoryRow {
  note_key: string;
  at: Date;
  kind: string;
  credit_type: string;
  precision: number;
  units: string | null;
  amount: string | null;
  money_minor: string | null;
  currency: string | null;
  reason: string | null;
  ref: string;
}

/**
 * The account's history items that have no note yet, oldest first. Ledger
 * transactions are read through ledger_transactions_history_idx (a partial
 * index over the few kinds that are history), never the burns.
 */
export async function unsyncedHistory(db: Database, accountId: string, limit: number): Promise<HistoryItem[]> {
  const { rows } = await sql<HistoryRow>`
    with history as (
      -- When it happened: the entries' time (the ledger's clock), not the row's insert time.
      select ${accountId} || ':' || t.id as note_key, coalesce(e.at, t.created_at) as at,
             case when t.kind = 'grant' then g.source else t.kind end as kind, t.credit_type,
             e.units::text as units, null::text as amount, p.amount_minor::text as money_minor, p.currency,
             coalesce(e.reason, g.reason) as reason, t.id as ref
      from ledger_transactions t
      left join grants g on t.kind = 'grant' and g.account_id = t.account_id and g.transaction_id = t.id
      left join purchases p on p.payment_intent_id = g.external_ref and p.grant_id = g.id
      left join lateral (
        select sum(abs(x.amount)) as units, max(x.reason) as reason, max(x.created_at) as at from ledger_entries x
        where x.account_id = t.account_id and x.transaction_id = t.id and x.entry_type = t.kind
      ) e on true
      where t.account_id = ${accountId} and t.kind in ('grant', 'refund', 'expiry', 'void')
        and (t.kind <> 'grant' or g.source in ('purchase', 'support'))
      union all
      select ${accountId} || ':dispute:' || d.id || ':opened', d.created_at, 'dispute.opened', d.credit_type,
             null, d.disputed_amount, null, null, d.reason, d.transaction_id
      from disputes d where d.account_id = ${accountId}
      union all
      select ${accountId} || ':dispute:' || d.id || ':' || d.status, d.decided_at, 'dispute.' || d.status, d.credit_type,
             null, coalesce(d.refunded_amount, d.disputed_amount), null, null, d.explanation, d.transaction_id
      from disputes d where d.account_id = ${accountId} and d.status in ('resolved', 'rejected') and d.decided_at is not null
    )
    select h.*, c.precision from history h join credit_types c on c.id = h.credit_type
    where not exists (select 1 from crm_timeline_notes n where n.note_key = h.note_key)
    order by h.at, h.note_key
    limit ${limit}`.execute(db);
  return rows.map((r) => ({
    key: r.note_key,
    at: r.at,
    kind: r.kind,
    creditType: r.credit_type,
    amount: r.units !== null ? formatAmount(BigInt(r.units), r.precision) : r.amount,
    money: r.money_minor !== null && r.currency ? Object.values(formatMoney(BigInt(r.money_minor), r.currency)).join(' ') : null,
    reason: r.reason,
    ref: r.ref,
  }));
}

const TITLES: Record<string, string> = {
  purchase: 'Credits purchased',
  support: 'Support grant',
  refund: 'Credits refunded',
  void: 'Credits voided',
  expiry: 'Credits expired',
  'dispute.opened': 'Dispute opened',
  'dispute.resolved': 'Dispute resolved',
  'dispute.rejected': 'Dispute rejected',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The note's text (HubSpot note bodies are HTML: every value from Burndown is escaped). */
export function noteBody(accountId: string, item: HistoryItem): string {
  const title = TITLES[item.kind] ?? item.kind;
  const what = [item.amount && `${item.amount} ${item.creditType}`, item.money && `for ${item.money}`].filter(Boolean).join(' ');
  const lines = [`<strong>Burndown: ${escapeHtml(title)}</strong>${what ? `: ${escapeHtml(what)}` : ''}`];
  if (item.reason) lines.push(escapeHtml(item.reason));
  const ref = item.kind.startsWith('dispute.') ? `dispute on transaction ${item.ref}` : `transaction ${item.ref}`;
  lines.push(`Account ${escapeHtml(accountId)}, ${escapeHtml(ref)}.`);
  return lines.map((l) => `<p>${l}</p>`).join('');
}

/**
 * Makes the company's timeline notes for the account's history not shown yet,
 * up to TIMELINE_BATCHES_PER_SYNC batches of 100. Each note is recorded in
 * crm_timeline_notes after HubSpot has it; the gateway's createNotes finds a
 * note made before a crash by its key, so the record is written then and no
 * second note is made. `more`: history is left for the next round.
 */
export async function syncTimeline(
  deps: { db: Database; gateway: CrmGateway; clock: () => Date },
  accountId: string,
  companyId: string,
): Promise<{ notesSynced: number; more: boolean }> {
  let notesSynced = 0;
  for (let batch = 0; batch < TIMELINE_BATCHES_PER_SYNC; batch++) {
    const items = await unsyncedHistory(deps.db, accountId, HUBSPOT_BATCH_LIMIT);
    if (items.length === 0) return { notesSynced, more: false };
    const notes: CrmNoteInput[] = items.map((item) => ({ key: item.key, companyId, timestamp: item.at, body: noteBody(accountId, item) }));
    const ids = await deps.gateway.createNotes(notes);
    const synced = items.filter((item) => ids.has(item.key));
    if (synced.length > 0) {
      await deps.db
        .insertInto('crm_timeline_notes')
        .values(
          synced.map((item) => ({
            note_key: item.key,
            account_id: accountId,
            hubspot_note_id: ids.get(item.key)!,
            synced_at: deps.clock(),
          })),
        )
        .onConflict((oc) => oc.column('note_key').doNothing())
        .execute();
    }
    notesSynced += synced.length;
    if (items.length < HUBSPOT_BATCH_LIMIT) return { notesSynced, more: false };
  }
  return { notesSynced, more: true };
}
