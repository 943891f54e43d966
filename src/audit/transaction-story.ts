import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { entryView, fromUnits, getCreditType } from '../ledger/index.js';

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(db);
  return rows[0]?.found != null;
}

/** Rows of a table another area owns, read defensively: none when the table is not there. */
async function optionalRows<T>(db: Database, table: string, query: () => Promise<T[]>): Promise<T[]> {
  return (await tableExists(db, table)) ? query() : [];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The dispute view (R-A2): the whole story of one ledger transaction, usually
 * a burn. Who or what caused it (actor, idempotency key, the usage event or
 * consumption and its rating), every entry with the grant it touched and
 * that grant's cost basis, the balance before and after per chain, the hold
 * it committed, refunds of it (or what it refunds) and audit records.
 */
export async function transactionStory(db: Database, transactionId: string) {
  const transactions = await db.selectFrom('ledger_transactions').selectAll().where('id', '=', transactionId).execute();
  if (transactions.length === 0) throw new NotFoundError('transaction', transactionId);
  const main = transactions[0]!;
  const entries = await db.selectFrom('ledger_entries').selectAll().where('transaction_id', '=', transactionId).orderBy('id').execute();
  const creditType = await getCreditType(db, main.credit_type);
  const units = (v: bigint | null) => (v === null ? null : fromUnits(creditType, v));

  const grantKeys = [...new Set(entries.filter((e) => e.grant_id).map((e) => `${e.account_id}\u0000${e.grant_id}`))];
  const grants = grantKeys.length
    ? await db
        .selectFrom('grants')
        .selectAll()
        .where((eb) =>
          eb.or(
            grantKeys.map((k) => {
              const [a, g] = k.split('\u0000');
              return eb.and([eb('account_id', '=', a!), eb('id', '=', g!)]);
            }),
          ),
        )
        .execute()
    : [];
  const holdIds = [...new Set(entries.map((e) => e.hold_id).filter((h): h is string => h !== null))];
  const holds = holdIds.length ? await db.selectFrom('holds').selectAll().where('id', 'in', holdIds).execute() : [];

  const chains = new Map<
    string,
    { accountId: string; creditType: string; balanceBefore: string; balanceAfter: string; heldAfter: string }
  >();
  for (const e of entries) {
    const key = `${e.account_id}/${e.credit_type}`;
    const chain = chains.get(key);
    if (chain) {
      chain.balanceAfter = units(e.balance_after)!;
      chain.heldAfter = units(e.held_after)!;
    } else {
      chains.set(key, {
        accountId: e.account_id,
        creditType: e.credit_type,
        balanceBefore: units(e.balance_before)!,
        balanceAfter: units(e.balance_after)!,
        heldAfter: units(e.held_after)!,
      });
    }
  }

  const usageEventIds = [...new Set(entries.map((e) => e.usage_event_id).filter((u): u is string => u !== null))];
  const usageEvents = usageEventIds.length
    ? await optionalRows(db, 'usage_events', () =>
        db.selectFrom('usage_events').selectAll().where('account_id', '=', main.account_id).where('id', 'in', usageEventIds).execute(),
      )
    : [];
  const consumptions = await optionalRows(db, 'consumptions', () =>
    db
      .selectFrom('consumptions')
      .selectAll()
      .where(sql<boolean>`${transactionId} = any(burn_transaction_ids)`)
      .execute(),
  );
  const related = await db
    .selectFrom('ledger_transactions')
    .select(['account_id', 'id', 'kind', 'actor', 'created_at', 'related_transaction_id'])
    .where((eb) =>
      eb.or([
        eb('related_transaction_id', '=', transactionId),
        ...(main.related_transaction_id ? [eb('id', '=', main.related_transaction_id)] : []),
      ]),
    )
    .where('account_id', 'in', [...new Set(transactions.map((t) => t.account_id))])
    .execute();
  // The dispute cases opened on it (src/disputes): the view links to them, a case links back here.
  const disputes = await optionalRows(db, 'disputes', () =>
    db.selectFrom('disputes').select(['id', 'status', 'account_id']).where('transaction_id', '=', transactionId).orderBy('id').execute(),
  );
  const audit = await optionalRows(db, 'audit_log', () =>
    db.selectFrom('audit_log').selectAll().where('target_id', '=', transactionId).orderBy('id').execute(),
  );

  return {
    transactionId,
    kind: main.kind,
    accountId: main.account_id,
    creditType: main.credit_type,
    createdAt: main.created_at.toISOString(),
    cause: {
      actor: main.actor,
      idempotencyKey: main.idempotency_key,
      features: [...new Set(entries.map((e) => e.feature).filter(Boolean))],
      usageEventIds,
      consumptionIds: consumptions.map((c) => c.id),
    },
    usageEvents: usageEvents.map((u) => ({
      id: u.id,
      feature: u.feature,
      quantity: u.quantity,
      eventTime: iso(u.event_time),
      receivedAt: iso(u.received_at),
      status: u.status,
      pricingVersion: u.pricing_version,
      rating: u.rating,
      cost: units(u.cost),
    })),
    consumptions: consumptions.map((c) => ({
      id: c.id,
      feature: c.feature,
      status: c.status,
      pricingVersion: c.pricing_version,
      estimate: c.estimate,
      actualQuantity: c.actual_quantity,
      reserveRating: c.reserve_rating,
      finalRating: c.final_rating,
      burned: units(c.burned_amount),
      holdId: c.hold_id,
      createdAt: iso(c.created_at),
    })),
    entries: entries.map((e) => ({
      ...entryView(creditType, e),
      accountId: e.account_id,
      grantRemainingBefore: units(e.grant_remaining_before),
      grantRemainingAfter: units(e.grant_remaining_after),
      seq: e.seq.toString(),
      hash: e.hash.toString('hex'),
    })),
    grantsTouched: grants.map((g) => ({
      id: g.id,
      accountId: g.account_id,
      source: g.source,
      amount: units(g.amount),
      remainingNow: units(g.remaining),
      status: g.status,
      expiresAt: iso(g.expires_at),
      costBasis: g.cost_basis_minor === null ? null : { minor: g.cost_basis_minor.toString(), currency: g.cost_basis_currency },
      issuedBy: g.issued_by,
      reason: g.reason,
    })),
    balances: [...chains.values()],
    holds: holds.map((h) => ({
      id: h.id,
      amount: units(h.amount),
      committed: units(h.committed_amount),
      status: h.status,
      createdBy: h.created_by,
      createdAt: iso(h.created_at),
      closedAt: iso(h.closed_at),
    })),
    related: related.map((r) => ({
      transactionId: r.id,
      kind: r.kind,
      actor: r.actor,
      createdAt: r.created_at.toISOString(),
      relation: r.id === main.related_transaction_id ? 'original' : 'follow-up',
    })),
    disputes: disputes.map((d) => ({ id: d.id, accountId: d.account_id, status: d.status, link: `/v1/disputes/${d.id}` })),
    audit: audit.map((a) => ({
      id: a.id.toString(),
      occurredAt: a.occurred_at.toISOString(),
      actor: a.actor,
      action: a.action,
      reason: a.reason,
    })),
  };
}

type Story = Awaited<ReturnType<typeof transactionStory>>;

/**
 * The customer's dispute view: their own account's side of the transaction,
 * without staff identities, idempotency keys, the pool parent's grants or any
 * cost basis.
 */
export function customerStory(story: Story) {
  const own = story.accountId;
  return {
    transactionId: story.transactionId,
    kind: story.kind,
    accountId: own,
    creditType: story.creditType,
    createdAt: story.createdAt,
    cause: { features: story.cause.features, usageEventIds: story.cause.usageEventIds, consumptionIds: story.cause.consumptionIds },
    usageEvents: story.usageEvents,
    consumptions: story.consumptions,
    entries: story.entries.filter((e) => e.accountId === own).map(({ actor: _actor, initiatorAccountId: _initiator, ...e }) => e),
    grantsTouched: story.grantsTouched.filter((g) => g.accountId === own).map(({ costBasis: _costBasis, issuedBy: _issuedBy, ...g }) => g),
    balances: story.balances.filter((b) => b.accountId === own),
    holds: story.holds.map(({ createdBy: _createdBy, ...h }) => h),
    related: story.related.map(({ actor: _actor, ...r }) => r),
    disputes: story.disputes.filter((d) => d.accountId === own),
    audit: story.audit.map(({ actor: _actor, ...a }) => a),
  };
}
