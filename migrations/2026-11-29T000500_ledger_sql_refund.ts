import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 6: refunds (R-G8). Frozen once on main.
 *
 * Returns credits of a burn (a deduct or a commit), or part of it, to the
 * grants they came from, newest burn entry first. Where that grant has expired
 * or been voided, the credits go to a new refund grant instead, so nothing
 * returns into a dead grant; an overdraft burn refunded pays back the debt it
 * created first. Never more than was burned, across all refunds of it.
 */
const statements = [
  // p: accountId, transactionId (the burn), amount (text; absent: all that is left).
  String.raw`create function ledger_refund(c ledger_context, p jsonb, p_precision int, p_account text, p_credit_type text) returns json
    language plpgsql as $$
    declare
      burn_id text := p->>'transactionId';
      amount_text text := p->>'amount';
      wanted int8;
      accounts text[];
      burns record;
      usable int8[] := '{}';
      keys text[] := '{}';
      already jsonb := '{}';
      before int8;
      total int8 := 0;
      v_amount int8;
      left_to_refund int8;
      portion int8;
      pay int8;
      i int := 0;
      g grants;
      fresh grants;
      meta jsonb;
      debt int8;
      wakes text[] := '{}';
    begin
      if amount_text is not null then
        wanted := ledger_parse_units(amount_text, p_precision);
        if wanted is null or wanted <= 0 then return ledger_invalid_amount('amount', amount_text, p_precision, false); end if;
      end if;
      select array(select p_account union select e.account_id from ledger_entries e
                   where e.transaction_id = burn_id and e.entry_type in ('burn', 'commit')) into accounts;
      perform ledger_lock_balances(accounts, p_credit_type);

      -- What earlier refunds of this burn already returned, per source grant.
      -- A refund's ledger transaction is on the account that burned; its
      -- entries are where the credits went back to, which for a pool child's
      -- burn is the parent: count them by transaction, on any account of the burn.
      select coalesce(jsonb_object_agg(s.source, s.amount), '{}') into already from (
        select e.metadata->>'source_grant' as source, sum(e.amount)::int8 as amount
        from ledger_transactions t join ledger_entries e on e.account_id = any(accounts) and e.transaction_id = t.id
        where t.account_id = p_account and t.related_transaction_id = burn_id and e.entry_type = 'refund'
        group by e.metadata->>'source_grant') s;

      -- Newest burn entry first; earlier refunds are taken from the newest too.
      for burns in
        select e.account_id, e.grant_id, e.amount, e.account_id || '/' || coalesce(e.grant_id, 'overdraft') as source
        from ledger_entries e where e.transaction_id = burn_id and e.entry_type in ('burn', 'commit') order by e.id desc
      loop
        before := coalesce((already->>burns.source)::int8, 0);
        usable := usable || case when burns.amount < before then 0::int8 else burns.amount - before end;
        already := already || jsonb_build_object(burns.source, before - (burns.amount - usable[cardinality(usable)]));
        total := total + usable[cardinality(usable)];
      end loop;
      v_amount := coalesce(wanted, total);
      if v_amount = 0 then
        return ledger_refusal('nothing_to_refund', format('Burn %s has been refunded in full', burn_id), '{}');
      end if;
      if v_amount > total then
        return ledger_refusal('refund_exceeds_burn',
          format('Cannot refund %s: only %s of burn %s is left to refund', ledger_units_text(v_amount, p_precision),
            ledger_units_text(total, p_precision), burn_id),
          json_build_object('refundable', ledger_units_text(total, p_precision)));
      end if;

      left_to_refund := v_amount;
      for burns in
        select e.account_id, e.grant_id, e.account_id || '/' || coalesce(e.grant_id, 'overdraft') as source
        from ledger_entries e where e.transaction_id = burn_id and e.entry_type in ('burn', 'commit') order by e.id desc
      loop
        i := i + 1;
        exit when left_to_refund = 0;
        portion := least(usable[i], left_to_refund);
        continue when portion = 0;
        left_to_refund := left_to_refund - portion;
        meta := jsonb_build_object('refund_of', burn_id, 'source_grant', burns.source);
        g := null;
        if burns.grant_id is not null then
          select * into g from grants where account_id = burns.account_id and id = burns.grant_id;
        end if;
        if g.id is not null and g.status = 'active' and (g.expires_at is null or g.expires_at > c.now) then
          if ledger_post(c, 'refund', burns.account_id, p_credit_type, portion, g.id, null, meta) then wakes := wakes || g.id; end if;
          continue;
        end if;
        pay := 0;
        if g.id is null then
          select b.debt into debt from balances b where b.account_id = burns.account_id and b.credit_type = p_credit_type;
          pay := least(debt, portion);
          if pay > 0 then perform ledger_post(c, 'refund', burns.account_id, p_credit_type, pay, null, null, meta); end if;
        end if;
        if portion > pay then
          insert into grants (account_id, id, credit_type, amount, remaining, source, priority, effective_at, expires_at, reason_code,
              reason, issued_by, cost_basis_minor, cost_basis_currency, pricing_version, external_ref, transaction_id, metadata, created_at)
            values (burns.account_id, ledger_new_id('grt'), p_credit_type, portion - pay, 0, 'refund', coalesce(g.priority, 90), c.now, null,
              'refund', c.reason, c.actor, null, null, g.pricing_version, null, c.transaction_id, meta, c.now)
            returning * into fresh;
          perform ledger_post(c, 'refund', burns.account_id, p_credit_type, portion - pay, fresh.id, null, meta);
        end if;
      end loop;
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      return (select to_json(r) from (select c.transaction_id as "transactionId", burn_id as "refundOf", p_account as "accountId",
        p_credit_type as "creditType", ledger_units_text(v_amount, p_precision) as "refunded",
        ledger_units_text(total - v_amount, p_precision) as "remainingRefundable") r);
    end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_refund(ledger_context, jsonb, int, text, text)`.execute(db);
}
