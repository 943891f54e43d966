import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 2: posting. ledger_post writes one entry against a
 * balance row its caller has locked, with the posting table below (the whole
 * accounting model, docs/ledger-design.md), and moves the balance row and the
 * grant with it. The helpers settle debt and take credits in burn order.
 * Frozen once on main.
 */
const statements = [
  // Who and when, carried onto every entry of one operation.
  `create type ledger_context as (transaction_id text, initiator_account_id text, actor text, reason text,
    feature text, usage_event_id text, idempotency_key text, now timestamptz)`,

  // Returns true when the grant's remaining amount crossed zero (used up, or
  // refilled) and the grant has an expiry timer of its own, which must then
  // look again (R-G6; a subscription's plan and rollover grants are expired by
  // the subscription workflow instead).
  String.raw`create function ledger_post(c ledger_context, p_type text, p_account text, p_credit_type text, p_amount int8,
      p_grant_id text default null, p_hold_id text default null, p_metadata jsonb default '{}') returns boolean
    language plpgsql as $$
    declare
      b balances;
      g grants;
      e ledger_entries;
      d_balance int8;
      d_held int8;
      d_grant int8;
      total text;
    begin
      if p_amount is null or p_amount <= 0 then
        raise exception 'ledger entries move a positive amount, got % for %', p_amount, p_type;
      end if;
      -- | type    | balance | held | debt | grant.remaining | total moved |
      -- | grant   | +a      |      |      | +a              | granted +a  |
      -- | burn    | −a      |      | +a¹  | −a              | burned +a   |
      -- | settle  |         |      | −a   | −a              |             |
      -- | hold    | −a      | +a   |      | −a              |             |
      -- | release | +a      | −a   |      | +a              |             |
      -- | commit  |         | −a   |      |                 | burned +a   |
      -- | expiry  | −a      |      |      | −a              | expired +a  |
      -- | void    | −a      |      |      | −a              | voided +a   |
      -- | refund  | +a      |      | −a¹  | +a              | refunded +a |
      -- ¹ only for an entry without a grant: an overdraft burn adds to the
      --   debt, a refund of an overdraft burn pays it back.
      case p_type
        when 'grant' then d_balance := 1; d_held := 0; d_grant := 1; total := 'granted';
        when 'burn' then d_balance := -1; d_held := 0; d_grant := -1; total := 'burned';
        when 'settle' then d_balance := 0; d_held := 0; d_grant := -1;
        when 'hold' then d_balance := -1; d_held := 1; d_grant := -1;
        when 'release' then d_balance := 1; d_held := -1; d_grant := 1;
        when 'commit' then d_balance := 0; d_held := -1; d_grant := 0; total := 'burned';
        when 'expiry' then d_balance := -1; d_held := 0; d_grant := -1; total := 'expired';
        when 'void' then d_balance := -1; d_held := 0; d_grant := -1; total := 'voided';
        when 'refund' then d_balance := 1; d_held := 0; d_grant := 1; total := 'refunded';
        else raise exception 'unknown entry type %', p_type;
      end case;

      select * into b from balances where account_id = p_account and credit_type = p_credit_type;
      if not found then raise exception 'balance %/% is not locked by this transaction', p_account, p_credit_type; end if;
      e.balance_before := b.balance;
      b.balance := b.balance + d_balance * p_amount;
      b.held := b.held + d_held * p_amount;
      b.granted := b.granted + case when total = 'granted' then p_amount else 0 end;
      b.burned := b.burned + case when total = 'burned' then p_amount else 0 end;
      b.refunded := b.refunded + case when total = 'refunded' then p_amount else 0 end;
      b.expired := b.expired + case when total = 'expired' then p_amount else 0 end;
      b.voided := b.voided + case when total = 'voided' then p_amount else 0 end;
      if p_grant_id is null then
        if p_type = 'burn' then b.debt := b.debt + p_amount;
        elsif p_type = 'refund' then b.debt := b.debt - p_amount;
        elsif p_type <> 'commit' then raise exception '% entries need a grant', p_type;
        end if;
      elsif p_type = 'settle' then
        b.debt := b.debt - p_amount;
      end if;
      if b.held < 0 or b.debt < 0 then raise exception '% of % would make held or debt negative', p_type, p_amount; end if;

      if p_grant_id is not null then
        select * into g from grants where account_id = p_account and id = p_grant_id;
        if not found or g.credit_type <> p_credit_type then
          raise exception 'grant % does not belong to %/%', p_grant_id, p_account, p_credit_type;
        end if;
        e.grant_remaining_before := g.remaining;
        e.grant_remaining_after := g.remaining + d_grant * p_amount;
        if e.grant_remaining_after < 0 or e.grant_remaining_after > g.amount then
          raise exception '% of % takes grant % outside 0..%', p_type, p_amount, p_grant_id, g.amount;
        end if;
        if d_grant <> 0 then
          update grants set remaining = e.grant_remaining_after where account_id = p_account and id = p_grant_id;
        end if;
      end if;

      -- Entry times never run backwards within a chain, even across processes
      -- whose clocks differ slightly.
      e.created_at := greatest(b.last_entry_at, c.now);
      b.entry_seq := b.entry_seq + 1;
      e.account_id := p_account;
      e.credit_type := p_credit_type;
      e.seq := b.entry_seq;
      e.transaction_id := c.transaction_id;
      e.entry_type := p_type;
      e.amount := p_amount;
      e.balance_after := b.balance;
      e.held_after := b.held;
      e.grant_id := p_grant_id;
      e.hold_id := p_hold_id;
      e.initiator_account_id := c.initiator_account_id;
      e.actor := c.actor;
      e.reason := c.reason;
      e.feature := c.feature;
      e.usage_event_id := c.usage_event_id;
      e.idempotency_key := c.idempotency_key;
      e.metadata := coalesce(p_metadata, '{}');
      e.prev_hash := b.last_hash;
      e.hash := ledger_entry_hash(b.last_hash, e);
      insert into ledger_entries (account_id, credit_type, seq, transaction_id, entry_type, amount, balance_before, balance_after,
          held_after, grant_id, grant_remaining_before, grant_remaining_after, hold_id, initiator_account_id, actor, reason, feature,
          usage_event_id, idempotency_key, metadata, created_at, prev_hash, hash)
        values (e.account_id, e.credit_type, e.seq, e.transaction_id, e.entry_type, e.amount, e.balance_before, e.balance_after,
          e.held_after, e.grant_id, e.grant_remaining_before, e.grant_remaining_after, e.hold_id, e.initiator_account_id, e.actor,
          e.reason, e.feature, e.usage_event_id, e.idempotency_key, e.metadata, e.created_at, e.prev_hash, e.hash);
      update balances set balance = b.balance, held = b.held, debt = b.debt, granted = b.granted, burned = b.burned,
          refunded = b.refunded, expired = b.expired, voided = b.voided, entry_seq = b.entry_seq, last_hash = e.hash,
          last_entry_at = e.created_at
        where account_id = p_account and credit_type = p_credit_type;
      return p_grant_id is not null and p_type <> 'grant' and g.expires_at is not null and g.source not in ('plan', 'rollover')
        and (e.grant_remaining_before = 0) <> (e.grant_remaining_after = 0);
    end $$`,

  // Marks the expiry timers of the grants whose remaining amount crossed zero
  // in this operation and that are still active (an expired or voided grant
  // needs no timer); the outbox relay wakes them (R-G6).
  String.raw`create function ledger_mark_timers(p_now timestamptz, p_grant_ids text[]) returns void
    language sql as $$
      insert into grant_timer_marks (account_id, grant_id, pending, marked_at)
      select g.account_id, g.id, true, p_now from grants g
      where g.id = any(p_grant_ids) and g.status = 'active'
      on conflict (account_id, grant_id) do update
        set pending = true, version = grant_timer_marks.version + 1, marked_at = excluded.marked_at
    $$`,

  // Pays an account's overdraft debt from its own spendable grants, in burn
  // order; a pool parent's grants never pay a child's debt.
  String.raw`create function ledger_settle_debt(c ledger_context, p_account text, p_credit_type text, inout p_wakes text[])
    language plpgsql as $$
    declare
      debt int8;
      g grants;
      part int8;
    begin
      select b.debt into debt from balances b where b.account_id = p_account and b.credit_type = p_credit_type;
      if debt = 0 then return; end if;
      for g in select * from ledger_spendable_grants(array[p_account], p_credit_type, c.now) loop
        exit when debt = 0;
        part := least(g.remaining, debt);
        if ledger_post(c, 'settle', p_account, p_credit_type, part, g.id) then p_wakes := p_wakes || g.id; end if;
        debt := debt - part;
      end loop;
    end $$`,

  // Takes up to p_amount from the spendable grants of the pool chain in burn
  // order, one entry of p_type per grant touched; for a hold, also records
  // which grants it drew on. Returns what it took.
  String.raw`create function ledger_take(c ledger_context, p_chain text[], p_credit_type text, p_amount int8, p_type text,
      p_hold_id text, inout p_wakes text[], out p_taken int8)
    language plpgsql as $$
    declare
      g grants;
      part int8;
      left_to_take int8 := p_amount;
    begin
      for g in select * from ledger_spendable_grants(p_chain, p_credit_type, c.now) loop
        exit when left_to_take = 0;
        part := least(g.remaining, left_to_take);
        if ledger_post(c, p_type, g.account_id, p_credit_type, part, g.id, p_hold_id) then p_wakes := p_wakes || g.id; end if;
        if p_hold_id is not null then
          insert into hold_allocations (account_id, hold_id, grant_account_id, grant_id, amount)
            values (c.initiator_account_id, p_hold_id, g.account_id, g.id, part);
        end if;
        left_to_take := left_to_take - part;
      end loop;
      p_taken := p_amount - left_to_take;
    end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_take(ledger_context, text[], text, int8, text, text, text[])`.execute(db);
  await sql`drop function if exists ledger_settle_debt(ledger_context, text, text, text[])`.execute(db);
  await sql`drop function if exists ledger_mark_timers(timestamptz, text[])`.execute(db);
  await sql`drop function if exists ledger_post(ledger_context, text, text, text, int8, text, text, jsonb)`.execute(db);
  await sql`drop type if exists ledger_context`.execute(db);
}
