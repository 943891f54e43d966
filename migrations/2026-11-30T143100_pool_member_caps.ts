import { sql, type Kysely } from 'kysely';
import { patchFunction, reversed, type Patch } from './function-patch.js';

/**
 * Pool member caps (issue 18): a seat's budget inside a team pool. A member
 * account (one with a pool parent) may have, per credit type, a cap on what it
 * draws from its pool parents' grants per UTC calendar month; its own grants
 * are not capped.
 *
 * - pool_member_caps: the cap, set through PUT /v1/accounts/{id}/pool-caps/{creditType}.
 * - pool_member_draws: what the member drew from the pool per month: deducts
 *   and holds add what they took from the parents' grants; releases and
 *   refunds of those give it back (never below zero).
 * - ledger_spend_funds (deduct and hold decide on it) counts only the room
 *   left under the cap of the pool's funds, read under the member's balance
 *   lock, which every draw holds too: no concurrency can overdraw the cap.
 *   Accounts without a pool parent skip it entirely.
 * - ledger_deduct / ledger_hold name the cap in their refusal when the cap,
 *   not the pool, is what is short (pool_cap_exceeded, a 402).
 * - ledger_execute counts the draw of an operation of a capped member in the
 *   operation's own transaction.
 */
const statements = [
  `create table pool_member_caps (
    account_id text not null references accounts(id),
    credit_type text not null references credit_types(id),
    amount int8 not null check (amount >= 0),
    updated_by text not null,
    updated_at timestamptz not null default now(),
    primary key (account_id, credit_type))`,
  `create table pool_member_draws (
    account_id text not null references accounts(id),
    credit_type text not null references credit_types(id),
    period_start timestamptz not null,
    drawn int8 not null check (drawn >= 0),
    primary key (account_id, credit_type, period_start))`,

  // The UTC month p_now falls in: the cap's period.
  String.raw`create function ledger_cap_period(p_now timestamptz) returns timestamptz
    language sql immutable parallel safe as $$ select date_trunc('month', p_now at time zone 'UTC') at time zone 'UTC' $$`,

  // The member's caps and what it drew this period, per credit type.
  String.raw`create function ledger_pool_cap_list(p_account text, p_now timestamptz) returns table (credit_type text, cap int8, drawn int8)
    language sql stable as $$
      select pc.credit_type, pc.amount, coalesce(d.drawn, 0) from pool_member_caps pc
        left join pool_member_draws d on d.account_id = pc.account_id and d.credit_type = pc.credit_type
          and d.period_start = ledger_cap_period(p_now)
      where pc.account_id = p_account
    $$`,

  // One credit type's cap; no row: no cap.
  String.raw`create function ledger_pool_cap(p_account text, p_credit_type text, p_now timestamptz, out cap int8, out drawn int8)
    language sql stable as $$
      select l.cap, l.drawn from ledger_pool_cap_list(p_account, p_now) l where l.credit_type = p_credit_type
    $$`,

  // Adds what this transaction took from the pool (entries on the pool
  // parents' grants: burns and holds add, releases and refunds give back).
  String.raw`create function ledger_count_pool_draw(c ledger_context, p_account text, p_credit_type text) returns void
    language plpgsql as $$
    declare
      delta int8;
    begin
      select coalesce(sum(case e.entry_type when 'burn' then e.amount when 'hold' then e.amount
                                           when 'release' then -e.amount when 'refund' then -e.amount else 0 end), 0)
        into delta from ledger_entries e
        where e.transaction_id = c.transaction_id and e.account_id <> p_account and e.credit_type = p_credit_type;
      if delta = 0 then return; end if;
      insert into pool_member_draws (account_id, credit_type, period_start, drawn)
        values (p_account, p_credit_type, ledger_cap_period(c.now), greatest(delta, 0))
        on conflict (account_id, credit_type, period_start) do update set drawn = greatest(pool_member_draws.drawn + delta, 0);
    end $$`,

  // The refusal of a deduct or hold that is short: pool_cap_exceeded when the
  // member's cap left less room than the pool has, else insufficient_credits.
  String.raw`create function ledger_spend_refusal(p_chain text[], p_now timestamptz, p_account text, p_credit_type text,
      p_precision int, p_available numeric, p_requested numeric, p_shortfall numeric) returns json
    language plpgsql stable as $$
    declare
      pc record;
      pool numeric;
    begin
      if cardinality(p_chain) > 1 then
        select * into pc from ledger_pool_cap(p_account, p_credit_type, p_now);
        if pc.cap is not null then
          select coalesce(sum(g.remaining), 0) into pool from ledger_spendable_grants(p_chain[2:], p_credit_type, p_now) g;
          if greatest(pc.cap - pc.drawn, 0) < pool then
            return ledger_refusal('pool_cap_exceeded', null, json_build_object('accountId', p_account, 'parentId', p_chain[2],
              'creditType', p_credit_type, 'available', ledger_units_text(p_available, p_precision),
              'requested', ledger_units_text(p_requested, p_precision), 'shortfall', ledger_units_text(p_shortfall, p_precision),
              'cap', ledger_units_text(pc.cap, p_precision), 'drawn', ledger_units_text(pc.drawn, p_precision),
              'remaining', ledger_units_text(greatest(pc.cap - pc.drawn, 0), p_precision),
              'periodStart', ledger_iso(ledger_cap_period(p_now)),
              'periodEnd', ledger_iso(ledger_cap_period(p_now) + interval '1 month')));
          end if;
        end if;
      end if;
      return ledger_insufficient(p_account, p_credit_type, p_precision, p_available, p_requested, p_shortfall);
    end $$`,
];

const spendFundsPatches: Patch[] = [
  [`locked text[];`, `locked text[];\n      pc record;`],
  [
    `into funds, own_funds from ledger_spendable_grants(chain, p_credit_type, p_now) g;`,
    `into funds, own_funds from ledger_spendable_grants(chain, p_credit_type, p_now) g;
      -- A capped pool member spends its own grants and at most its cap's room of the pool's.
      if cardinality(chain) > 1 then
        select * into pc from ledger_pool_cap(p_account, p_credit_type, p_now);
        if pc.cap is not null then funds := own_funds + least(funds - own_funds, greatest(pc.cap - pc.drawn, 0)); end if;
      end if;`,
  ],
];

const refusalPatch: Patch = [
  `return ledger_insufficient(v_account, v_credit_type, p_precision,`,
  `return ledger_spend_refusal(f.chain, c.now, v_account, v_credit_type, p_precision,`,
];

// The deduct takes from the grants at most the (capped) funds; the rest, if
// any, is its own overdraft, never more of the pool. Uncapped, funds − settled
// is what the grants hold, so this takes exactly what it took before.
const deductPatches: Patch[] = [
  refusalPatch,
  [
    `from ledger_take(c, f.chain, v_credit_type, to_burn, 'burn', null, wakes) t;`,
    `from ledger_take(c, f.chain, v_credit_type, least(to_burn, f.funds - settled)::int8, 'burn', null, wakes) t;`,
  ],
];

const executePatches: Patch[] = [
  [
    `if jsonb_array_length(coalesce(p->'observers', '[]')) > 0 then`,
    `if v_kind in ('deduct', 'hold', 'commit', 'release', 'refund')
        and exists (select 1 from pool_member_caps pc where pc.account_id = v_account and pc.credit_type = v_credit_type) then
        perform ledger_count_pool_draw(c, v_account, v_credit_type);
      end if;

      if jsonb_array_length(coalesce(p->'observers', '[]')) > 0 then`,
  ],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
  await patchFunction(db, 'ledger_spend_funds(text, text, timestamptz)', spendFundsPatches);
  await patchFunction(db, 'ledger_deduct(ledger_context, jsonb, int)', deductPatches);
  await patchFunction(db, 'ledger_hold(ledger_context, jsonb, int)', [refusalPatch]);
  await patchFunction(db, 'ledger_execute(jsonb)', executePatches);
}

export async function down(db: Kysely<any>): Promise<void> {
  await patchFunction(db, 'ledger_execute(jsonb)', reversed(executePatches));
  await patchFunction(db, 'ledger_hold(ledger_context, jsonb, int)', reversed([refusalPatch]));
  await patchFunction(db, 'ledger_deduct(ledger_context, jsonb, int)', reversed(deductPatches));
  await patchFunction(db, 'ledger_spend_funds(text, text, timestamptz)', reversed(spendFundsPatches));
  for (const fn of [
    'ledger_spend_refusal(text[], timestamptz, text, text, int, numeric, numeric, numeric)',
    'ledger_count_pool_draw(ledger_context, text, text)',
    'ledger_pool_cap(text, text, timestamptz)',
    'ledger_pool_cap_list(text, timestamptz)',
    'ledger_cap_period(timestamptz)',
  ]) {
    await sql.raw(`drop function if exists ${fn}`).execute(db);
  }
  await sql`drop table if exists pool_member_draws`.execute(db);
  await sql`drop table if exists pool_member_caps`.execute(db);
}
