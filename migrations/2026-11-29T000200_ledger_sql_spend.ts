import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 3: deduct (R-C1) and hold (R-C2). Each is one
 * function run under the balance locks of the account and its pool parents;
 * every refusal is decided before anything is written, so a refused operation
 * inside a group-committed batch leaves the others untouched. Results are
 * built with to_json over a row, which renders exactly as JSON.stringify of
 * the same object (compact, keys in this order). Frozen once on main.
 */
const statements = [
  String.raw`create function ledger_insufficient(p_account text, p_credit_type text, p_precision int,
      p_available numeric, p_requested numeric, p_shortfall numeric) returns json
    language sql stable as $$
      select ledger_refusal('insufficient_credits', null, json_build_object('accountId', p_account, 'creditType', p_credit_type,
        'available', ledger_units_text(p_available, p_precision), 'requested', ledger_units_text(p_requested, p_precision),
        'shortfall', ledger_units_text(p_shortfall, p_precision)))
    $$`,

  String.raw`create function ledger_not_found(p_resource text, p_id text) returns json
    language sql immutable as $$
      select ledger_refusal('not_found', null, json_build_object('resource', p_resource, 'id', p_id))
    $$`,

  String.raw`create function ledger_hold_view(h holds, p_precision int) returns json
    language sql stable as $$
      select to_json(r) from (select h.id as "id", h.account_id as "accountId", h.credit_type as "creditType",
        ledger_units_text(h.amount, p_precision) as "amount", h.status as "status",
        ledger_units_text(h.committed_amount, p_precision) as "committedAmount", ledger_iso(h.expires_at) as "expiresAt",
        h.feature as "feature", h.owner_ref as "ownerRef", h.transaction_id as "transactionId",
        h.closed_transaction_id as "closedTransactionId", ledger_iso(h.created_at) as "createdAt",
        ledger_iso(h.closed_at) as "closedAt") r
    $$`,

  // What deduct and hold decide on, read under the balance locks of the
  // account and its pool parents: the chain (null: no such account), the
  // account's debt and overdraft limit, and what the chain and the account
  // alone can spend now. Sums are numeric: a pool's grants may add up to more
  // than int8. A balance row that does not exist yet counts as zeros and is
  // named in \`missing\`: the caller creates it only once it has decided to post.
  // The chain is read again once its rows are locked: an account moved to
  // another pool while this waited for the lock must draw on the new pool,
  // so the new chain's rows are locked too (the old ones stay locked, unused,
  // until the end of the transaction; a deadlock this rare order causes is
  // retried as any other).
  String.raw`create function ledger_spend_funds(p_account text, p_credit_type text, p_now timestamptz,
      out chain text[], out debt int8, out overdraft_limit int8, out funds numeric, out own_funds numeric, out missing text[])
    language plpgsql as $$
    declare
      locked text[];
    begin
      chain := ledger_pool_chain(p_account);
      loop
        if chain is null then return; end if;
        missing := ledger_lock_balances(chain, p_credit_type);
        locked := chain;
        chain := ledger_pool_chain(p_account);
        exit when chain is not distinct from locked;
      end loop;
      select b.debt, b.overdraft_limit into debt, overdraft_limit from balances b
        where b.account_id = p_account and b.credit_type = p_credit_type;
      debt := coalesce(debt, 0);
      overdraft_limit := coalesce(overdraft_limit, 0);
      select coalesce(sum(g.remaining), 0), coalesce(sum(g.remaining) filter (where g.account_id = p_account), 0)
        into funds, own_funds from ledger_spendable_grants(chain, p_credit_type, p_now) g;
    end $$`,

  // Burn in burn order; beyond the grants into the account's overdraft limit;
  // past that, all-or-nothing refuses and allowPartial burns what it can.
  // Settling debt first moves the same amount out of the funds and out of the
  // debt, so every figure of the refusal is known before anything is written.
  // The figures are numeric (funds plus an overdraft limit near the largest
  // int8 pass it); what is burned is at most what was requested, an int8.
  String.raw`create function ledger_deduct(c ledger_context, p jsonb, p_precision int) returns json
    language plpgsql as $$
    declare
      v_account text := p->>'accountId';
      v_credit_type text := p->>'creditType';
      requested int8 := (p->>'amount')::int8;
      allow_partial boolean := coalesce((p->>'allowPartial')::boolean, false);
      f record;
      settled numeric;
      burnable numeric;
      to_burn int8;
      from_grants int8;
      debt_after numeric;
      wakes text[] := '{}';
    begin
      loop
        select * into f from ledger_spend_funds(v_account, v_credit_type, c.now);
        if f.chain is null then return ledger_not_found('account', v_account); end if;
        settled := least(f.debt, f.own_funds);
        burnable := f.funds - settled + greatest(f.overdraft_limit - (f.debt - settled), 0);
        if requested > burnable and (not allow_partial or burnable = 0) then
          return ledger_insufficient(v_account, v_credit_type, p_precision, f.funds - f.debt, requested, requested - burnable);
        end if;
        exit when cardinality(f.missing) = 0;
        -- Decided with missing rows as zeros; create them, then decide again
        -- under their locks (a row created meanwhile may hold a grant).
        perform ledger_create_balances(f.missing, v_credit_type);
      end loop;
      wakes := ledger_settle_debt(c, v_account, v_credit_type, wakes);
      to_burn := least(requested, burnable);
      select t.p_wakes, t.p_taken into wakes, from_grants from ledger_take(c, f.chain, v_credit_type, to_burn, 'burn', null, wakes) t;
      if from_grants < to_burn then
        perform ledger_post(c, 'burn', v_account, v_credit_type, to_burn - from_grants, null, null, '{"overdraft": "true"}');
      end if;
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      debt_after := f.debt - settled + (to_burn - from_grants);
      return (select to_json(r) from (select c.transaction_id as "transactionId", v_account as "accountId",
        v_credit_type as "creditType", ledger_units_text(requested, p_precision) as "requested",
        ledger_units_text(to_burn, p_precision) as "deducted",
        (select to_json(x) from (select ledger_units_text(f.funds - settled - from_grants - debt_after, p_precision) as "available",
          ledger_units_text(debt_after, p_precision) as "overdraftUsed") x) as "balance") r);
    end $$`,

  // Moves credits from grants into a hold, in burn order. Holds never use the
  // overdraft: a hold promises credits that exist. "available" in a refusal
  // is reported as it is (negative while an overdraft is used), as deduct does.
  String.raw`create function ledger_hold(c ledger_context, p jsonb, p_precision int) returns json
    language plpgsql as $$
    declare
      v_account text := p->>'accountId';
      v_credit_type text := p->>'creditType';
      v_amount int8 := (p->>'amount')::int8;
      f record;
      h holds;
      wakes text[] := '{}';
      taken int8;
    begin
      loop
        select * into f from ledger_spend_funds(v_account, v_credit_type, c.now);
        if f.chain is null then return ledger_not_found('account', v_account); end if;
        if v_amount > f.funds - f.debt then
          return ledger_insufficient(v_account, v_credit_type, p_precision, f.funds - f.debt, v_amount, v_amount - (f.funds - f.debt));
        end if;
        exit when cardinality(f.missing) = 0;
        perform ledger_create_balances(f.missing, v_credit_type);
      end loop;
      wakes := ledger_settle_debt(c, v_account, v_credit_type, wakes);
      insert into holds (account_id, id, credit_type, amount, expires_at, feature, owner_ref, transaction_id, created_by, created_at)
        values (v_account, ledger_new_id('hld'), v_credit_type, v_amount, c.now + make_interval(secs => (p->>'ttlSeconds')::int), p->>'holdFeature',
          p->>'ownerRef', c.transaction_id, c.actor, c.now)
        returning * into h;
      select t.p_wakes, t.p_taken into wakes, taken from ledger_take(c, f.chain, v_credit_type, v_amount, 'hold', h.id, wakes) t;
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      return ledger_hold_view(h, p_precision);
    end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_hold(ledger_context, jsonb, int)`.execute(db);
  await sql`drop function if exists ledger_deduct(ledger_context, jsonb, int)`.execute(db);
  await sql`drop function if exists ledger_spend_funds(text, text, timestamptz)`.execute(db);
  await sql`drop function if exists ledger_hold_view(holds, int)`.execute(db);
  await sql`drop function if exists ledger_not_found(text, text)`.execute(db);
  await sql`drop function if exists ledger_insufficient(text, text, int, numeric, numeric, numeric)`.execute(db);
}
