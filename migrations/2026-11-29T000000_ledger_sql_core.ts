import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 1: the building blocks every ledger function uses
 * (docs/PERFORMANCE.md says why the ledger runs in the database: one round
 * trip per operation). Frozen once on main; later changes are new migrations
 * (`create or replace function`).
 *
 * - ledger_units_text / ledger_parse_units: formatAmount and parseAmount of
 *   src/money/amount.ts, exactly (a test compares them).
 * - ledger_iso: Date.prototype.toISOString (milliseconds, 'Z').
 * - ledger_render_json: JSON.stringify's compact form of a jsonb value.
 * - ledger_canonical_json, ledger_entry_hash: the hash chain, byte for byte
 *   what src/ledger/entry-hash.ts computes (a seeded property test proves it).
 * - ledger_new_id: prefixed, time-ordered ids in the UUIDv7 layout, with
 *   sub-millisecond time and a per-transaction counter where UUIDv7 allows
 *   them, so ids made in one transaction, or one after the other, sort in
 *   creation order (the burn order's last tie-break depends on it), and
 *   random bits in the rest.
 * - ledger_burn_key: the burn order (R-L3), the one place it is written.
 */
const statements = [
  // The hash chain is defined over UTF-8 text (ledger_entry_hash), and
  // ledger_utf16_order reads code points with ascii(), which only gives them
  // in a UTF8 database.
  String.raw`do $$ begin
    if current_setting('server_encoding') <> 'UTF8' then
      raise exception 'The ledger needs a UTF8 database, but server_encoding is %: its hash chain is defined over UTF-8 text. Create the database with ENCODING ''UTF8''.',
        current_setting('server_encoding');
    end if;
  end $$`,

  // One expression, no FROM, so the planner inlines it where it is called.
  // numeric: what a pool can spend is a sum of int8 amounts and may pass int8.
  String.raw`create function ledger_units_text(p_units numeric, p_precision int) returns text
    language sql immutable strict parallel safe as $$
      select case when p_units < 0 then '-' else '' end
        || case when p_precision = 0 then abs(p_units)::text
                else left(lpad(abs(p_units)::text, greatest(length(abs(p_units)::text), p_precision + 1), '0'), -p_precision)
                  || '.' || right(lpad(abs(p_units)::text, greatest(length(abs(p_units)::text), p_precision + 1), '0'), p_precision) end
    $$`,

  // Null when the text is not a decimal, has more decimals than the precision
  // or does not fit int8: the caller then lets parseAmount name the error.
  String.raw`create function ledger_parse_units(p_text text, p_precision int) returns int8
    language plpgsql immutable parallel safe as $$
    declare
      m text[];
      fraction text;
      magnitude numeric;
    begin
      m := regexp_match(p_text, '^(-)?([0-9]{1,19})(?:\.([0-9]+))?$');
      if m is null then return null; end if;
      fraction := rtrim(coalesce(m[3], ''), '0');
      if length(fraction) > p_precision then return null; end if;
      magnitude := (m[2] || rpad(fraction, p_precision, '0'))::numeric;
      if magnitude > 9223372036854775807 then return null; end if;
      return case when m[1] is null then magnitude else -magnitude end;
    end $$`,

  String.raw`create function ledger_iso(p_at timestamptz) returns text
    language sql stable strict parallel safe as $$
      select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    $$`,

  // JSON.stringify of a string or null: PostgreSQL's JSON string escaping is
  // JavaScript's (\b \f \n \r \t \" \\, other controls as lowercase \u00xx,
  // everything else, "/" and non-ASCII included, as it is).
  String.raw`create function ledger_json_text(p text) returns text
    language sql stable parallel safe as $$ select coalesce(to_json(p)::text, 'null') $$`,

  // JavaScript compares strings by UTF-16 code unit, PostgreSQL's "C" order by
  // code point: they differ where U+E000..U+FFFF meets a character above
  // U+FFFF (a surrogate pair sorts first in UTF-16). The string as UTF-16BE
  // bytes compares as JavaScript compares.
  String.raw`create function ledger_utf16_order(p text) returns bytea
    language sql immutable strict parallel safe as $$
      select coalesce(decode(string_agg(case when cp < 65536 then lpad(to_hex(cp), 4, '0')
          else to_hex(55296 + ((cp - 65536) >> 10)) || to_hex(56320 + ((cp - 65536) & 1023)) end, '' order by n), 'hex'), '\x')
      from (select ascii(ch) as cp, n from regexp_split_to_table(p, '') with ordinality as t(ch, n) where ch <> '') c
    $$`,

  // A jsonb value as compact JSON (JSON.stringify's form): object keys sorted
  // as JavaScript sorts them, or in jsonb's own order (what a client reading
  // the column sees). Strings, null, true, false and integers render as
  // JSON.stringify renders them; entry metadata holds strings only.
  String.raw`create function ledger_render_json(p jsonb, p_sort_keys boolean) returns text
    language plpgsql immutable parallel safe as $$
    declare
      out text;
    begin
      case jsonb_typeof(p)
        when 'object' then
          select '{' || coalesce(string_agg(to_json(k)::text || ':' || ledger_render_json(v, p_sort_keys), ','
                   order by case when p_sort_keys then ledger_utf16_order(k) end, n), '') || '}'
            into out from jsonb_each(p) with ordinality as e(k, v, n);
        when 'array' then
          select '[' || coalesce(string_agg(ledger_render_json(v, p_sort_keys), ',' order by n), '') || ']'
            into out from jsonb_array_elements(p) with ordinality as e(v, n);
        else
          out := p::text;
      end case;
      return out;
    end $$`,

  // canonicalJson of src/ledger/entry-hash.ts.
  String.raw`create function ledger_canonical_json(p jsonb) returns text
    language sql immutable parallel safe as $$
      select case when p = '{}'::jsonb then '{}' else ledger_render_json(p, true) end
    $$`,

  // entryHash of src/ledger/entry-hash.ts: sha256(prev_hash or 32 zero bytes ‖
  // UTF-8 of JSON.stringify([...the fields, int8 as decimal strings...])).
  String.raw`create function ledger_entry_hash(p_prev bytea, e ledger_entries) returns bytea
    language sql stable parallel safe as $$
      select sha256(coalesce(p_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
        || convert_to('[' || concat_ws(',',
          ledger_json_text(e.account_id), ledger_json_text(e.credit_type), ledger_json_text(e.seq::text),
          ledger_json_text(e.transaction_id), ledger_json_text(e.entry_type), ledger_json_text(e.amount::text),
          ledger_json_text(e.balance_before::text), ledger_json_text(e.balance_after::text), ledger_json_text(e.held_after::text),
          ledger_json_text(e.grant_id), ledger_json_text(e.grant_remaining_before::text), ledger_json_text(e.grant_remaining_after::text),
          ledger_json_text(e.hold_id), ledger_json_text(e.initiator_account_id), ledger_json_text(e.actor), ledger_json_text(e.reason),
          ledger_json_text(e.feature), ledger_json_text(e.usage_event_id), ledger_json_text(e.idempotency_key),
          ledger_json_text(ledger_canonical_json(e.metadata)), ledger_json_text(ledger_iso(e.created_at))) || ']', 'UTF8'))
    $$`,

  // UUIDv7 layout (RFC 9562): 48 bits of Unix milliseconds; version 7; in
  // rand_a the sub-millisecond fraction of the clock in 1/4096 ms (method 3:
  // ids made one after the other, in one transaction or not, sort in creation
  // order); the variant; in rand_b a 14-bit counter of the ids this
  // transaction has made (method 1: two ids of one transaction within the
  // same 1/4096 ms still sort in creation order), then 48 random bits. No
  // global sequence: an id tells nothing of how many were made before it,
  // and cannot be guessed from its neighbours.
  String.raw`create function ledger_new_id(p_prefix text) returns text
    language plpgsql volatile as $$
    declare
      us numeric := extract(epoch from clock_timestamp()) * 1000000;
      ms int8 := floor(us / 1000);
      made int := coalesce(nullif(current_setting('ledger.ids_made', true), ''), '0')::int;
    begin
      perform set_config('ledger.ids_made', (made + 1)::text, true);
      return p_prefix || '_' || lpad(to_hex(ms), 12, '0') || '7' || lpad(to_hex(floor((us - ms * 1000) * 4096 / 1000)::int), 3, '0')
        || lpad(to_hex(32768 + (made & 16383)), 4, '0') || right(replace(gen_random_uuid()::text, '-', ''), 12);
    end $$`,

  // Burn order (R-L3): an account's own grants before its pool parents'
  // (nearest first, by position in p_chain; null: no pool order), then lower
  // priority number, soonest expiry (never-expiring last), oldest, id.
  // Every query that orders grants for burning, holding or showing orders by
  // this key. Rows compare field by field; nulls sort last and equal.
  `create type ledger_burn_key as (pool_position int, priority int, never_expires boolean, expires_at timestamptz, created_at timestamptz, id text)`,
  String.raw`create function ledger_burn_key(p_chain text[], g grants) returns ledger_burn_key
    language sql immutable parallel safe as $$
      select row(array_position(p_chain, g.account_id), g.priority, g.expires_at is null, g.expires_at, g.created_at, g.id)::ledger_burn_key
    $$`,

  // Spendable at p_now (active, effective, not expired, something left), in burn order.
  String.raw`create function ledger_spendable_grants(p_chain text[], p_credit_type text, p_now timestamptz) returns setof grants
    language sql stable parallel safe as $$
      select g.* from grants g
      where g.account_id = any(p_chain) and g.credit_type = p_credit_type and g.status = 'active' and g.remaining > 0
        and g.effective_at <= p_now and (g.expires_at is null or g.expires_at > p_now)
      order by ledger_burn_key(p_chain, g)
    $$`,

  // The account and its pool parents, nearest first; null when the account does not exist.
  String.raw`create function ledger_pool_chain(p_account text) returns text[]
    language plpgsql stable parallel safe as $$
    declare
      chain text[] := '{}';
      current_id text := p_account;
      parent text;
    begin
      loop
        if cardinality(chain) > 4 then raise exception 'pool of % is deeper than 4', p_account; end if;
        select a.parent_id into parent from accounts a where a.id = current_id;
        if not found then return null; end if;
        chain := chain || current_id;
        exit when parent is null;
        current_id := parent;
      end loop;
      return chain;
    end $$`,

  // Locks the balance rows of (account, credit type) that exist for the
  // accounts given, in (account, credit type) order (the same lock order as
  // lockBalances in src/ledger/locks.ts, so the two never deadlock), and
  // returns the accounts that have none. It creates nothing: an operation
  // decides with a missing row as zeros, so a refusal writes nothing, and
  // creates the rows (ledger_create_balances) just before it posts.
  String.raw`create function ledger_lock_balances(p_accounts text[], p_credit_type text) returns text[]
    language plpgsql as $$
    declare
      locked text[];
    begin
      select coalesce(array_agg(l.account_id), '{}') into locked from (select b.account_id from balances b
        where b.account_id = any(p_accounts) and b.credit_type = p_credit_type order by b.account_id, b.credit_type for update) l;
      if cardinality(locked) = (select count(distinct a) from unnest(p_accounts) a) then return '{}'; end if;
      return array(select distinct a from unnest(p_accounts) a where a <> all(locked) order by a);
    end $$`,

  // Creates (and locks) the missing balance rows an operation is about to post to.
  String.raw`create function ledger_create_balances(p_accounts text[], p_credit_type text) returns void
    language plpgsql as $$
    begin
      if cardinality(p_accounts) = 0 then return; end if;
      insert into balances (account_id, credit_type) select distinct a, p_credit_type from unnest(p_accounts) a order by 1
        on conflict do nothing;
      perform 1 from balances where account_id = any(p_accounts) and credit_type = p_credit_type
        order by account_id, credit_type for update;
    end $$`,

  // A domain refusal as data: the caller maps it to its DomainError class.
  String.raw`create function ledger_refusal(p_code text, p_message text, p_details json) returns json
    language sql immutable parallel safe as $$
      select json_build_object('error', json_build_object('code', p_code, 'message', p_message, 'details', p_details))
    $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fn of [
    'ledger_refusal(text, text, json)',
    'ledger_create_balances(text[], text)',
    'ledger_lock_balances(text[], text)',
    'ledger_pool_chain(text)',
    'ledger_spendable_grants(text[], text, timestamptz)',
    'ledger_burn_key(text[], grants)',
    'ledger_new_id(text)',
    'ledger_entry_hash(bytea, ledger_entries)',
    'ledger_canonical_json(jsonb)',
    'ledger_render_json(jsonb, boolean)',
    'ledger_utf16_order(text)',
    'ledger_json_text(text)',
    'ledger_iso(timestamptz)',
    'ledger_parse_units(text, int)',
    'ledger_units_text(numeric, int)',
  ]) {
    await sql.raw(`drop function if exists ${fn}`).execute(db);
  }
  await sql`drop type if exists ledger_burn_key`.execute(db);
}
