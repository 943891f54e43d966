import { sql, type Kysely } from 'kysely';

/**
 * The ledger in SQL, part 7: one ledger operation per call. Frozen once on main.
 *
 * ledger_execute(op) finds whose operation it is, applies ledger-level
 * idempotency (the same key and request returns the first result; the same
 * key with another request is refused), runs the operation, records it as a
 * ledger transaction, runs the observers it was given (SQL functions of the
 * areas above the ledger, named in their own migrations) and, when asked,
 * claims and completes the HTTP Idempotency-Key record with the response in
 * the same transaction (one commit per request). A refusal comes back as {"error": …} with nothing written.
 *
 * Both run with generic plans (plan_cache_mode, for everything they call):
 * every statement of the ledger probes indexes by account, and re-planning
 * each statement on every call was a third of a deduct's time
 * (bench/ledger-profile.ts, docs/PERFORMANCE.md).
 *
 * ledger_execute_batch(ops) runs several operations in one transaction (group
 * commit of one hot account): each has its own result, refusal, idempotency
 * record and entries. Their idempotency locks are taken first, in one order,
 * so a batch never waits for one while it holds a balance lock.
 */
const statements = [
  // The HTTP Idempotency-Key record of the request this operation serves,
  // claimed in the operation's transaction before anything is written: the
  // unique key makes a concurrent request with the same key wait here until
  // this transaction ends. Null: claimed (new, expired, or this request's own
  // claim left by an earlier attempt and older than inFlightTimeoutSeconds).
  // Otherwise the answer to give instead of running the operation: the key
  // was used for another request (refused as idempotency_key_reused), is in
  // flight, or holds this request's stored response (httpReplay). Without an
  // in-flight timeout a live claim cannot be told from a dead one: refused.
  String.raw`create function ledger_claim_http(h jsonb) returns json
    language plpgsql as $$
    declare
      existing idempotency_keys;
    begin
      if h->>'inFlightTimeoutSeconds' is null then
        raise exception 'httpIdempotency.inFlightTimeoutSeconds is required (IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS)';
      end if;
      insert into idempotency_keys (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at)
        values (h->>'apiKeyId', h->>'key', h->>'method', h->>'path', h->>'requestHash', 0, null,
          now() + make_interval(hours => (h->>'retentionHours')::int))
        on conflict (api_key_id, key) do update
          set method = excluded.method, path = excluded.path, request_hash = excluded.request_hash, status_code = 0,
              response_body = null, created_at = now(), expires_at = excluded.expires_at
          where idempotency_keys.expires_at < now()
             or (idempotency_keys.status_code = 0 and idempotency_keys.request_hash = excluded.request_hash
                 and idempotency_keys.created_at < now() - make_interval(secs => (h->>'inFlightTimeoutSeconds')::int));
      if found then return null; end if;
      select * into existing from idempotency_keys where api_key_id = h->>'apiKeyId' and key = h->>'key';
      if existing.request_hash <> h->>'requestHash' then
        return ledger_refusal('idempotency_key_reused',
          format('Idempotency-Key %s was first used for a different request (%s %s); use a new key for a new operation.',
            h->>'key', existing.method, existing.path), '{}');
      end if;
      if existing.status_code = 0 then
        return ledger_refusal('idempotency_key_in_flight',
          format('A request with Idempotency-Key %s is still being processed; retry after it finishes.', h->>'key'), '{}');
      end if;
      return json_build_object('httpReplay', json_build_object('status', existing.status_code, 'body', existing.response_body));
    end $$`,

  // The claim of a request the ledger refused: nothing of it is kept (the API stores its problem response).
  String.raw`create function ledger_drop_http_claim(h jsonb) returns void
    language sql as $$
      delete from idempotency_keys where api_key_id = h->>'apiKeyId' and key = h->>'key' and status_code = 0
    $$`,

  String.raw`create function ledger_complete_http(h jsonb, p_body text) returns void
    language sql as $$
      update idempotency_keys set status_code = (h->>'status')::int, response_body = p_body
      where api_key_id = h->>'apiKeyId' and key = h->>'key'
    $$`,

  String.raw`create function ledger_execute(p jsonb) returns json
    language plpgsql
    set plan_cache_mode = force_generic_plan
    as $$
    declare
      v_kind text := p->>'kind';
      v_key text := p->>'idempotencyKey';
      v_account text;
      v_credit_type text;
      v_precision int;
      burn_kind text;
      prev record;
      c ledger_context;
      v_result json;
      event jsonb;
      observer jsonb;
      observed jsonb := '[]';
      output jsonb;
      http jsonb := p->'http';
    begin
      -- Whose operation this is: the account it is recorded under.
      case
        when v_kind in ('deduct', 'hold', 'grant') then
          v_account := p->>'accountId';
          v_credit_type := p->>'creditType';
          if v_kind = 'grant' and not exists (select 1 from accounts a where a.id = v_account) then
            return ledger_not_found('account', v_account);
          end if;
        when v_kind in ('commit', 'release') then
          select h.account_id, h.credit_type into v_account, v_credit_type from holds h where h.id = p->>'holdId';
          if not found then return ledger_not_found('hold', p->>'holdId'); end if;
        when v_kind in ('void', 'expiry', 'grant_expiry_change') then
          select g.account_id, g.credit_type into v_account, v_credit_type from grants g where g.id = p->>'grantId';
          if not found then return ledger_not_found('grant', p->>'grantId'); end if;
        when v_kind = 'refund' then
          v_account := p->>'accountId';
          select t.credit_type, t.kind into v_credit_type, burn_kind from ledger_transactions t
            where t.account_id = v_account and t.id = p->>'transactionId';
          if not found or burn_kind not in ('deduct', 'commit') then return ledger_not_found('burn transaction', p->>'transactionId'); end if;
        else
          raise exception 'unknown ledger operation %', v_kind;
      end case;
      select ct.precision into v_precision from credit_types ct where ct.id = v_credit_type;
      if not found then raise exception 'credit type % does not exist', v_credit_type; end if;

      if v_key is not null then
        -- Callers with the same key queue here, so a duplicate finds the first
        -- one's committed result instead of re-running the operation, whose own
        -- checks could refuse it (a 402 once the first burned the credits).
        perform pg_advisory_xact_lock(hashtext(v_account), hashtext(v_key));
      end if;
      if http is not null then
        v_result := ledger_claim_http(http);
        if v_result is not null then return v_result; end if;
      end if;
      if v_key is not null then
        select t.id, t.kind, t.request_hash, t.result into prev from ledger_transactions t
          where t.account_id = v_account and t.idempotency_key = v_key;
        if found then
          if prev.request_hash is distinct from p->>'requestHash' or prev.kind <> v_kind then
            if http is not null then perform ledger_drop_http_claim(http); end if;
            return ledger_refusal('idempotency_key_reused',
              format('Idempotency key %s was already used for a different %s request on account %s', v_key, prev.kind, v_account), '{}');
          end if;
          if http is not null then
            -- The request's response is the first result, as it was written (result is json: its exact text).
            perform ledger_complete_http(http, prev.result::text);
            return json_build_object('httpReplay', json_build_object('status', (http->>'status')::int, 'body', prev.result::text));
          end if;
          return json_build_object('replayed', true, 'transactionId', prev.id, 'accountId', v_account, 'creditType', v_credit_type,
            'result', prev.result);
        end if;
      end if;

      c := row(ledger_new_id('txn'), v_account, p->>'actor', p->>'reason', p->>'feature', p->>'usageEventId', v_key,
        date_trunc('milliseconds', (p->>'now')::timestamptz))::ledger_context;
      v_result := case v_kind
        when 'deduct' then ledger_deduct(c, p, v_precision)
        when 'hold' then ledger_hold(c, p, v_precision)
        when 'commit' then ledger_close_hold(c, p, v_precision, v_account, v_credit_type)
        when 'release' then ledger_close_hold(c, p, v_precision, v_account, v_credit_type)
        when 'grant' then ledger_issue_grant(c, p, v_precision)
        when 'void' then ledger_void_grant(c, p, v_precision, v_account, v_credit_type)
        when 'expiry' then ledger_expire_grant(c, p, v_precision, v_account, v_credit_type)
        when 'grant_expiry_change' then ledger_change_grant_expiry(c, p, v_precision, v_account, v_credit_type)
        when 'refund' then ledger_refund(c, p, v_precision, v_account, v_credit_type)
      end;
      if v_result->'error' is not null then
        if http is not null then perform ledger_drop_http_claim(http); end if;
        return v_result;
      end if;
      insert into ledger_transactions (account_id, id, kind, credit_type, idempotency_key, request_hash, related_transaction_id, result, actor)
        values (v_account, c.transaction_id, v_kind, v_credit_type, v_key, p->>'requestHash',
          case when v_kind = 'refund' then p->>'transactionId' end, v_result, c.actor);

      if jsonb_array_length(coalesce(p->'observers', '[]')) > 0 then
        event := jsonb_build_object('kind', v_kind, 'accountId', v_account, 'creditType', v_credit_type,
          'transactionId', c.transaction_id, 'now', ledger_iso(c.now), 'result', v_result::jsonb);
        for observer in select value from jsonb_array_elements(p->'observers') loop
          execute format('select %s($1, $2)', (observer->>'fn')::regproc) into output using event, observer->'args';
          observed := observed || jsonb_build_array(output);
        end loop;
      end if;

      if http is not null then perform ledger_complete_http(http, v_result::text); end if;

      return json_build_object('replayed', false, 'transactionId', c.transaction_id, 'accountId', v_account,
        'creditType', v_credit_type, 'result', v_result, 'observed', observed);
    end $$`,

  String.raw`create function ledger_execute_batch(p_ops jsonb) returns json
    language plpgsql
    set plan_cache_mode = force_generic_plan
    as $$
    declare
      k record;
      op jsonb;
      outcomes json[] := '{}';
    begin
      for k in
        select distinct hashtext(o->>'accountId') as a, hashtext(o->>'idempotencyKey') as b
        from jsonb_array_elements(p_ops) o where o->>'idempotencyKey' is not null
        order by 1, 2
      loop
        perform pg_advisory_xact_lock(k.a, k.b);
      end loop;
      for op in select value from jsonb_array_elements(p_ops) loop
        outcomes := outcomes || ledger_execute(op);
      end loop;
      return array_to_json(outcomes);
    end $$`,

  // Hardening: the entry points run with this schema and pg_temp last,
  // whatever the caller's search_path, so a temporary table or another
  // schema's object cannot stand in for a ledger table or function (the
  // functions they call, observers included, inherit it).
  String.raw`do $$ begin
    execute format('alter function ledger_execute(jsonb) set search_path = %I, pg_temp', current_schema());
    execute format('alter function ledger_execute_batch(jsonb) set search_path = %I, pg_temp', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_execute_batch(jsonb)`.execute(db);
  await sql`drop function if exists ledger_execute(jsonb)`.execute(db);
  await sql`drop function if exists ledger_complete_http(jsonb, text)`.execute(db);
  await sql`drop function if exists ledger_drop_http_claim(jsonb)`.execute(db);
  await sql`drop function if exists ledger_claim_http(jsonb)`.execute(db);
}
