import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 4: closing a hold (commit, release, TTL expiry).
 * Frozen once on main.
 *
 * A hold keeps its credits until it is committed or released, even when the
 * grant it drew from expires or is voided meanwhile. What is committed burns
 * normally. What is released goes back to a grant that is no longer live and
 * is at once expired (or voided) by a further entry, so it is never spendable
 * again (docs/ledger-design.md).
 */
const statements = [
  // An amount a caller gave as text, refused as data when it does not parse
  // at the credit type's precision: the caller lets parseAmount name the error.
  String.raw`create function ledger_invalid_amount(p_field text, p_text text, p_precision int, p_allow_zero boolean) returns json
    language sql immutable as $$
      select ledger_refusal('invalid_amount', null,
        json_build_object('field', p_field, 'text', p_text, 'precision', p_precision, 'allowZero', p_allow_zero))
    $$`,

  // p: holdId, closeAs ('committed', 'released', 'expired'), commitAmount
  // (text; absent: all of it). The hold's account and credit type come from
  // the caller, which found the hold to know whose operation this is.
  String.raw`create function ledger_close_hold(c ledger_context, p jsonb, p_precision int, p_account text, p_credit_type text) returns json
    language plpgsql as $$
    declare
      v_hold_id text := p->>'holdId';
      close_as text := p->>'closeAs';
      commit_text text := p->>'commitAmount';
      h holds;
      to_commit int8;
      committed int8;
      r record;
      part int8;
      released int8;
      rest int8;
      wakes text[] := '{}';
    begin
      perform ledger_lock_balances(
        array(select p_account union select a.grant_account_id from hold_allocations a where a.account_id = p_account and a.hold_id = v_hold_id),
        p_credit_type);
      select * into h from holds where account_id = p_account and id = v_hold_id for update;
      if h.status <> 'active' then
        return ledger_refusal('hold_not_active', format('Hold %s is already %s', v_hold_id, h.status), json_build_object('status', h.status));
      end if;
      if close_as = 'committed' and h.expires_at is not null and h.expires_at <= c.now then
        return ledger_refusal('hold_expired',
          format('Hold %s expired at %s and can no longer be committed', v_hold_id, ledger_iso(h.expires_at)),
          json_build_object('expiresAt', ledger_iso(h.expires_at)));
      end if;
      if close_as <> 'committed' then
        to_commit := 0;
      elsif commit_text is null then
        to_commit := h.amount;
      else
        to_commit := ledger_parse_units(commit_text, p_precision);
        if to_commit is null or to_commit < 0 then return ledger_invalid_amount('amount', commit_text, p_precision, true); end if;
      end if;
      if to_commit > h.amount then
        return ledger_refusal('commit_exceeds_hold',
          format('Cannot commit %s: hold %s holds %s', ledger_units_text(to_commit, p_precision), v_hold_id, ledger_units_text(h.amount, p_precision)),
          json_build_object('held', ledger_units_text(h.amount, p_precision)));
      end if;
      committed := to_commit;
      c.feature := coalesce(c.feature, h.feature);

      -- The grants it drew on, read under the locks, in burn order.
      for r in
        select g.account_id, g.id, g.status, g.expires_at, a.amount as allocated
        from hold_allocations a join grants g on g.account_id = a.grant_account_id and g.id = a.grant_id
        where a.account_id = p_account and a.hold_id = v_hold_id
        order by ledger_burn_key(null::text[], g)
      loop
        part := least(to_commit, r.allocated);
        released := r.allocated - part;
        to_commit := to_commit - part;
        if part > 0 then
          if ledger_post(c, 'commit', r.account_id, p_credit_type, part, r.id, v_hold_id) then wakes := wakes || r.id; end if;
        end if;
        if released > 0 then
          if ledger_post(c, 'release', r.account_id, p_credit_type, released, r.id, v_hold_id) then wakes := wakes || r.id; end if;
          if not (r.status = 'active' and (r.expires_at is null or r.expires_at > c.now)) then
            -- Everything the grant now has is past its life: what came back and
            -- any remainder its expiry timer has not reached yet.
            select g.remaining into rest from grants g where g.account_id = r.account_id and g.id = r.id;
            if ledger_post(c, case when r.status = 'voided' then 'void' else 'expiry' end, r.account_id, p_credit_type, rest, r.id, v_hold_id)
            then wakes := wakes || r.id; end if;
            if r.status = 'active' then update grants set status = 'expired' where account_id = r.account_id and id = r.id; end if;
          end if;
        end if;
      end loop;
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      update holds set status = close_as, committed_amount = committed, closed_transaction_id = c.transaction_id, closed_at = c.now
        where account_id = p_account and id = v_hold_id
        returning * into h;
      return ledger_hold_view(h, p_precision);
    end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_close_hold(ledger_context, jsonb, int, text, text)`.execute(db);
  await sql`drop function if exists ledger_invalid_amount(text, text, int, boolean)`.execute(db);
}
