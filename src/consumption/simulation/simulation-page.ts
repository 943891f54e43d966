import { sql } from 'kysely';
import type { Database, Tx } from '../../db/database.js';
import type { PricingSimulation } from '../../db/schema-pricing-simulations.js';
import { DomainError, ValidationError } from '../../errors.js';
import { resolveRule, type PricingCatalog } from '../pricing/catalog.js';
import { overrideInForce } from '../pricing/overrides.js';
import { pricingFileSchema } from '../pricing/schema.js';
import { loadAccounts, rateResolved, type RatedAccount } from '../rating.js';
import { candidateVersion } from './candidate.js';
import type { SimulationProgress } from '../../contracts/pricing.js';

/** One stored usage event as a simulation reads it. */
interface PageEvent {
  account_id: string;
  id: string;
  feature: string;
  quantity: string | null;
  event_time: Date;
  credit_type: string | null;
  cost: bigint | null;
}

/** One result row's sums for a page, in smallest units. */
interface Sums {
  accountId: string;
  feature: string;
  creditType: string;
  events: number;
  actual: bigint;
  simulated: bigint;
  unrated: number;
  unpriced: number;
}

type Simulated = { creditType: string; units: bigint } | null;

/**
 * A simulation's rater: the candidate as a one-version catalog every account
 * is pinned to, rated by rating.ts (resolveRule, then rateResolved), each
 * distinct (account, feature, quantity, price override) rated once. The
 * account's cohort and its price override in force at the event's time apply,
 * as they would had the candidate shipped.
 */
export function simulationRater(candidate: unknown, precisions: ReadonlyMap<string, number>) {
  const parsed = pricingFileSchema.safeParse(candidate);
  // Checked when stored; a row that fails here will fail on every retry.
  if (!parsed.success) throw new ValidationError('The stored candidate is not a pricing file', []);
  const version = candidateVersion(parsed.data);
  const catalog: PricingCatalog = { versions: [version] };
  const memo = new Map<string, Simulated>();
  return (account: RatedAccount, event: PageEvent): Simulated => {
    const quantity = event.quantity ?? '1';
    const override = overrideInForce(account.overrides, event.feature, event.event_time)?.id ?? '';
    const key = `${account.id}\u0000${event.feature}\u0000${quantity}\u0000${override}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let simulated: Simulated = null;
    try {
      const resolved = resolveRule(catalog, { ...account, pricing_version: version.version }, event.feature, event.event_time);
      const precision = precisions.get(resolved.featureRule.creditType);
      if (precision !== undefined)
        simulated = { creditType: resolved.featureRule.creditType, units: rateResolved(resolved, quantity, precision).costUnits };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    if (memo.size > 200_000) memo.clear();
    memo.set(key, simulated);
    return simulated;
  };
}

/**
 * The next page of the window's events in (account_id, event_time, id)
 * order after the cursor: accounts of the simulation's mode (and list) in id
 * order, each account's events of the window from its index on
 * (account_id, event_time).
 */
async function nextPage(tx: Tx, sim: PricingSimulation, pageSize: number): Promise<PageEvent[]> {
  const afterAccount = sim.cursor_account ?? '';
  const afterTime = sim.cursor_time ?? new Date(0);
  const afterId = sim.cursor_id ?? '';
  const { rows } = await sql<PageEvent>`
    select u.account_id, u.id, u.feature, u.quantity, u.event_time, u.credit_type, u.cost
    from accounts a cross join lateral (
      select u.account_id, u.id, u.feature, u.quantity, u.event_time, u.credit_type, u.cost from usage_events u
      where u.account_id = a.id and u.event_time >= ${sim.window_from} and u.event_time < ${sim.window_to}
        and (a.id > ${afterAccount} or (u.event_time >= ${afterTime} and (u.event_time, u.id) > (${afterTime}, ${afterId})))
      order by u.event_time, u.id limit ${pageSize}
    ) u
    where a.mode = ${sim.mode} and a.id >= ${afterAccount}
      and (${sim.account_ids}::text[] is null or a.id = any(${sim.account_ids}::text[]))
    order by a.id, u.event_time, u.id
    limit ${pageSize}`.execute(tx);
  return rows;
}

/** Every credit type's precision (decimal places), for rating and for showing units as amounts. */
export async function creditPrecisions(db: Database | Tx): Promise<Map<string, number>> {
  return new Map((await db.selectFrom('credit_types').select(['id', 'precision']).execute()).map((c) => [c.id, c.precision]));
}

/** How many events the simulation covers. */
export async function countWindowEvents(db: Database | Tx, sim: PricingSimulation): Promise<bigint> {
  const { rows } = await sql<{ n: bigint }>`
    select count(*) as n from usage_events u join accounts a on a.id = u.account_id
    where a.mode = ${sim.mode} and u.event_time >= ${sim.window_from} and u.event_time < ${sim.window_to}
      and (${sim.account_ids}::text[] is null or u.account_id = any(${sim.account_ids}::text[]))`.execute(db);
  return rows[0]!.n;
}

/** Sums a page per account, feature and credit type: actual from the stored rating, simulated from the candidate. */
function sumPage(events: readonly PageEvent[], accounts: ReadonlyMap<string, RatedAccount>, rater: ReturnType<typeof simulationRater>) {
  const sums = new Map<string, Sums>();
  const row = (accountId: string, feature: string, creditType: string) => {
    const key = `${accountId}\u0000${feature}\u0000${creditType}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { accountId, feature, creditType, events: 0, actual: 0n, simulated: 0n, unrated: 0, unpriced: 0 }));
    return s;
  };
  for (const event of events) {
    const account = accounts.get(event.account_id);
    const simulated = account ? rater(account, event) : null;
    const actualType = event.cost !== null && event.credit_type !== null ? event.credit_type : null;
    if (actualType !== null) row(event.account_id, event.feature, actualType).actual += event.cost!;
    const home = row(event.account_id, event.feature, simulated?.creditType ?? actualType ?? '');
    home.events++;
    if (simulated) home.simulated += simulated.units;
    else home.unpriced++;
    if (actualType === null) home.unrated++;
  }
  return [...sums.values()];
}

async function addSums(tx: Tx, simulationId: string, sums: readonly Sums[]): Promise<void> {
  if (sums.length === 0) return;
  await sql`
    insert into pricing_simulation_results as r
      (simulation_id, account_id, feature, credit_type, events, actual_units, simulated_units, unrated_events, unpriced_events)
    select ${simulationId}, * from unnest(
      ${sums.map((s) => s.accountId)}::text[], ${sums.map((s) => s.feature)}::text[], ${sums.map((s) => s.creditType)}::text[],
      ${sums.map((s) => s.events)}::int8[], ${sums.map((s) => s.actual.toString())}::numeric[],
      ${sums.map((s) => s.simulated.toString())}::numeric[], ${sums.map((s) => s.unrated)}::int8[], ${sums.map((s) => s.unpriced)}::int8[])
    on conflict (simulation_id, account_id, feature, credit_type) do update set
      events = r.events + excluded.events, actual_units = r.actual_units + excluded.actual_units,
      simulated_units = r.simulated_units + excluded.simulated_units,
      unrated_events = r.unrated_events + excluded.unrated_events, unpriced_events = r.unpriced_events + excluded.unpriced_events`.execute(
    tx,
  );
}

export function progressOf(sim: PricingSimulation): SimulationProgress {
  return {
    simulationId: sim.id,
    state: sim.state,
    total: sim.total_events === null ? null : Number(sim.total_events),
    rated: Number(sim.rated_events),
  };
}

/**
 * Rates the simulation's next page in one transaction: the row locked, the
 * page read after its cursor, the sums added and the cursor moved together,
 * so a retried page (a worker that died) adds nothing twice. A short page is
 * the last: the simulation is completed.
 */
export async function rateSimulationPage(
  db: Database,
  sim: { id: string; pageSize: number; now: Date },
  cache: { rater?: ReturnType<typeof simulationRater>; precisions: ReadonlyMap<string, number>; accounts: Map<string, RatedAccount> },
): Promise<SimulationProgress> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('pricing_simulations').selectAll().where('id', '=', sim.id).forUpdate().executeTakeFirstOrThrow();
    if (row.state !== 'running') return progressOf(row);
    const total = row.total_events ?? (await countWindowEvents(tx, row));
    const events = await nextPage(tx, row, sim.pageSize);
    const missing = [...new Set(events.map((e) => e.account_id))].filter((id) => !cache.accounts.has(id));
    for (const [id, account] of await loadAccounts(tx, missing)) cache.accounts.set(id, account);
    cache.rater ??= simulationRater(row.candidate, cache.precisions);
    await addSums(tx, row.id, sumPage(events, cache.accounts, cache.rater));
    const last = events.at(-1);
    const done = events.length < sim.pageSize;
    const updated = await tx
      .updateTable('pricing_simulations')
      .set({
        total_events: total,
        rated_events: sql`rated_events + ${events.length}`,
        cursor_account: last?.account_id ?? row.cursor_account,
        cursor_time: last?.event_time ?? row.cursor_time,
        cursor_id: last?.id ?? row.cursor_id,
        state: done ? 'completed' : 'running',
        finished_at: done ? sim.now : null,
        updated_at: sim.now,
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return progressOf(updated);
  });
}
