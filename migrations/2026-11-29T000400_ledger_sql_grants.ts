import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 5: grants: issue (R-L2), void and partial void
 * (R-L5), expiry (R-G6), moving an expiry, and the grant view every one of
 * them answers with. Frozen once on main.
 *
 * ledger_currency_exponents: the minor-unit exponent of each currency, as
 * this platform's ICU data gives it (currencyExponent in src/money/amount.ts),
 * so a grant's cost basis renders in SQL exactly as formatMoney renders it. A
 * currency ICU does not know has exponent 2 there, and here by default.
 */
function currencyExponents(): [string, number][] {
  return Intl.supportedValuesOf('currency').map((code) => [
    code,
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2,
  ]);
}

const statements = [
  String.raw`create function ledger_money_text(p_minor int8, p_currency text) returns text
    language sql stable as $$
      select ledger_units_text(p_minor, coalesce((select x.exponent from ledger_currency_exponents x where x.currency = p_currency), 2))
    $$`,

  String.raw`create function ledger_grant_view(g grants, p_precision int) returns json
    language sql stable as $$
      select to_json(r) from (select g.id as "id", g.account_id as "accountId", g.credit_type as "creditType",
        ledger_units_text(g.amount, p_precision) as "amount", ledger_units_text(g.remaining, p_precision) as "remaining",
        g.source as "source", g.priority as "priority", g.status as "status", ledger_iso(g.effective_at) as "effectiveAt",
        ledger_iso(g.expires_at) as "expiresAt", g.reason_code as "reasonCode", g.reason as "reason", g.issued_by as "issuedBy",
        case when g.cost_basis_minor is not null and g.cost_basis_currency is not null then
          (select to_json(m) from (select ledger_money_text(g.cost_basis_minor, g.cost_basis_currency) as "amount",
            g.cost_basis_currency as "currency") m) end as "costBasis",
        g.pricing_version as "pricingVersion", g.external_ref as "externalRef", g.transaction_id as "transactionId",
        ledger_render_json(g.metadata, false)::json as "metadata", ledger_iso(g.created_at) as "createdAt") r
    $$`,

  // Issues a grant (idempotent by external reference), then settles the
  // account's debt, which may draw on this very grant: the view shows what it
  // has after that.
  String.raw`create function ledger_issue_grant(c ledger_context, p jsonb, p_precision int) returns json
    language plpgsql as $$
    declare
      v_account text := p->>'accountId';
      v_credit_type text := p->>'creditType';
      v_effective_at timestamptz := coalesce((p->>'effectiveAt')::timestamptz, c.now);
      g grants;
      b balances;
      missing text[];
      wakes text[] := '{}';
    begin
      if (p->>'expiresAt')::timestamptz <= v_effective_at then
        return ledger_refusal('validation_failed', 'Expiry must be after the effective time',
          json_build_object('fieldErrors', json_build_array(json_build_object('path', 'expiresAt',
            'message', format('%s is not after %s', ledger_iso((p->>'expiresAt')::timestamptz), ledger_iso(v_effective_at))))));
      end if;
      missing := ledger_lock_balances(array[v_account], v_credit_type);
      if p->>'externalRef' is not null then
        select * into g from grants where account_id = v_account and external_ref = p->>'externalRef';
        if found then return ledger_grant_view(g, p_precision); end if;
      end if;
      -- The balance and the lifetime total granted are int8: a grant that
      -- would take either past it is refused (a field error, not a failure).
      select * into b from balances where account_id = v_account and credit_type = v_credit_type;
      if coalesce(greatest(b.balance, b.granted), 0)::numeric + (p->>'amount')::numeric > 9223372036854775807 then
        return ledger_refusal('validation_failed', 'Amount too large for this account',
          json_build_object('fieldErrors', json_build_array(json_build_object('path', 'amount', 'code', 'out_of_range',
            'message', format('%s more would take the balance of %s past the largest amount the ledger holds (%s)',
              ledger_units_text((p->>'amount')::int8, p_precision), v_account, ledger_units_text(9223372036854775807, p_precision))))));
      end if;
      perform ledger_create_balances(missing, v_credit_type);
      insert into grants (account_id, id, credit_type, amount, remaining, source, priority, effective_at, expires_at, reason_code,
          reason, issued_by, cost_basis_minor, cost_basis_currency, pricing_version, external_ref, transaction_id, metadata, created_at)
        values (v_account, ledger_new_id('grt'), v_credit_type, (p->>'amount')::int8, 0, p->>'source', (p->>'priority')::int,
          v_effective_at, (p->>'expiresAt')::timestamptz, p->>'reasonCode', c.reason, c.actor,
          (p->>'costBasisMinor')::int8, p->>'costBasisCurrency', p->>'pricingVersion', p->>'externalRef', c.transaction_id,
          coalesce(p->'metadata', '{}'), c.now)
        returning * into g;
      perform ledger_post(c, 'grant', v_account, v_credit_type, g.amount, g.id);
      wakes := ledger_settle_debt(c, v_account, v_credit_type, wakes);
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      select * into g from grants where account_id = v_account and id = g.id;
      return ledger_grant_view(g, p_precision);
    end $$`,

  // Void (R-L5): a compensating entry takes what remains of the grant, or
  // p.amount of it (a partial void: the grant stays active with the rest, and
  // is closed when nothing remains). Burned credits are never voided.
  String.raw`create function ledger_void_grant(c ledger_context, p jsonb, p_precision int, p_account text, p_credit_type text) returns json
    language plpgsql as $$
    declare
      v_grant_id text := p->>'grantId';
      amount_text text := p->>'amount';
      units int8;
      g grants;
      wakes text[] := '{}';
    begin
      if amount_text is not null then
        units := ledger_parse_units(amount_text, p_precision);
        if units is null or units <= 0 then return ledger_invalid_amount('amount', amount_text, p_precision, false); end if;
      end if;
      perform ledger_lock_balances(array[p_account], p_credit_type);
      select * into g from grants where account_id = p_account and id = v_grant_id;
      if g.status <> 'active' then
        return ledger_refusal('grant_not_active', format('Grant %s is already %s', v_grant_id, g.status), json_build_object('status', g.status));
      end if;
      if units > g.remaining then
        return ledger_refusal('void_exceeds_remaining', format('Grant %s has less than %s left to void', v_grant_id, amount_text),
          json_build_object('remaining', ledger_units_text(g.remaining, p_precision)));
      end if;
      units := coalesce(units, g.remaining);
      if units > 0 then
        if ledger_post(c, 'void', p_account, p_credit_type, units, v_grant_id) then wakes := wakes || v_grant_id; end if;
      end if;
      if amount_text is null or g.remaining = units then
        update grants set status = 'voided' where account_id = p_account and id = v_grant_id;
      end if;
      if cardinality(wakes) > 0 then perform ledger_mark_timers(c.now, wakes); end if;
      select * into g from grants where account_id = p_account and id = v_grant_id;
      return ledger_grant_view(g, p_precision);
    end $$`,

  // Expires what remains of a grant whose expiry has passed (breakage). Safe
  // to repeat: only the first call after the expiry instant writes an entry.
  String.raw`create function ledger_expire_grant(c ledger_context, p jsonb, p_precision int, p_account text, p_credit_type text) returns json
    language plpgsql as $$
    declare
      v_grant_id text := p->>'grantId';
      g grants;
    begin
      perform ledger_lock_balances(array[p_account], p_credit_type);
      select * into g from grants where account_id = p_account and id = v_grant_id;
      if g.status <> 'active' or g.expires_at is null or g.expires_at > c.now then
        return (select to_json(r) from (select v_grant_id as "grantId", ledger_units_text(0, p_precision) as "expired", g.status as "status") r);
      end if;
      if g.remaining > 0 then
        perform ledger_post(c, 'expiry', p_account, p_credit_type, g.remaining, v_grant_id, null,
          case when g.cost_basis_currency is not null then
            jsonb_build_object('cost_basis_minor', g.cost_basis_minor::text, 'cost_basis_currency', g.cost_basis_currency)
          else '{}' end);
      end if;
      update grants set status = 'expired' where account_id = p_account and id = v_grant_id;
      return (select to_json(r) from (select v_grant_id as "grantId", ledger_units_text(g.remaining, p_precision) as "expired",
        'expired' as "status") r);
    end $$`,

  // Moves (or removes) an active grant's expiry: no entry, but serialised with
  // burns under the balance lock and recorded as a ledger transaction.
  String.raw`create function ledger_change_grant_expiry(c ledger_context, p jsonb, p_precision int, p_account text, p_credit_type text)
      returns json
    language plpgsql as $$
    declare
      v_grant_id text := p->>'grantId';
      new_expiry timestamptz := (p->>'expiresAt')::timestamptz;
      g grants;
      changed grants;
    begin
      perform ledger_lock_balances(array[p_account], p_credit_type);
      select * into g from grants where account_id = p_account and id = v_grant_id;
      if g.status <> 'active' then
        return ledger_refusal('grant_not_active', format('Grant %s is already %s', v_grant_id, g.status),
          json_build_object('grantStatus', g.status));
      end if;
      if g.expires_at is not null and g.expires_at <= c.now then
        return ledger_refusal('grant_expiry_passed', format('Grant %s reached its expiry at %s', v_grant_id, ledger_iso(g.expires_at)),
          json_build_object('expiresAt', ledger_iso(g.expires_at)));
      end if;
      if new_expiry is not null and (new_expiry <= c.now or new_expiry <= g.effective_at) then
        return ledger_refusal('validation_failed', 'The new expiry must be in the future and after the grant becomes effective',
          json_build_object('fieldErrors', json_build_array(json_build_object('path', 'expiresAt',
            'message', format('%s is not after %s', ledger_iso(new_expiry), ledger_iso(greatest(c.now, g.effective_at)))))));
      end if;
      update grants set expires_at = new_expiry where account_id = p_account and id = v_grant_id returning * into changed;
      return (select to_json(r) from (select ledger_grant_view(changed, p_precision) as "grant",
        ledger_iso(g.expires_at) as "previousExpiresAt") r);
    end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_currency_exponents')
    .addColumn('currency', 'text', (c) => c.primaryKey())
    .addColumn('exponent', 'smallint', (c) => c.notNull())
    .execute();
  await db
    .insertInto('ledger_currency_exponents')
    .values(currencyExponents().map(([currency, exponent]) => ({ currency, exponent })))
    .execute();
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fn of [
    'ledger_change_grant_expiry(ledger_context, jsonb, int, text, text)',
    'ledger_expire_grant(ledger_context, jsonb, int, text, text)',
    'ledger_void_grant(ledger_context, jsonb, int, text, text)',
    'ledger_issue_grant(ledger_context, jsonb, int)',
    'ledger_grant_view(grants, int)',
    'ledger_money_text(int8, text)',
  ]) {
    await sql.raw(`drop function if exists ${fn}`).execute(db);
  }
  await db.schema.dropTable('ledger_currency_exponents').ifExists().execute();
}
