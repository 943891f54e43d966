import type { Insertable } from 'kysely';
import type { Database, Tx } from '../../db/database.js';
import type { PricingSimulation, PricingSimulationResult, PricingSimulationTable } from '../../db/schema-pricing-simulations.js';
import type { SimulationProgress } from '../../contracts/pricing.js';
import { NotFoundError } from '../../errors.js';
import { progressOf } from './simulation-page.js';

/** Stores a simulation with what goes with it (its audit record), in one transaction. */
export function insertSimulation(
  db: Database,
  record: Insertable<PricingSimulationTable>,
  alongside: (tx: Tx) => Promise<void>,
): Promise<PricingSimulation> {
  return db.transaction().execute(async (tx) => {
    const created = await tx.insertInto('pricing_simulations').values(record).returningAll().executeTakeFirstOrThrow();
    await alongside(tx);
    return created;
  });
}

export async function findSimulation(db: Database | Tx, id: string): Promise<PricingSimulation> {
  const row = await db.selectFrom('pricing_simulations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('pricing simulation', id);
  return row;
}

/** A simulation whose workflow gave up: failed, with why; its sums so far stay. */
export async function markSimulationFailed(db: Database, id: string, reason: string, now: Date): Promise<SimulationProgress> {
  const row = await db
    .updateTable('pricing_simulations')
    .set({ state: 'failed', failure: reason.slice(0, 1000), finished_at: now, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .returningAll()
    .executeTakeFirst();
  return progressOf(row ?? (await findSimulation(db, id)));
}

/** A page of result rows in (account, feature, credit type) order, after a cursor of those three. */
export function listResults(
  db: Database,
  id: string,
  page: { limit: number; after?: [string, string, string] | undefined },
): Promise<PricingSimulationResult[]> {
  let query = db.selectFrom('pricing_simulation_results').selectAll().where('simulation_id', '=', id);
  if (page.after) {
    const [account, feature, creditType] = page.after;
    query = query.where((eb) => eb(eb.refTuple('account_id', 'feature', 'credit_type'), '>', eb.tuple(account, feature, creditType)));
  }
  return query.orderBy('account_id').orderBy('feature').orderBy('credit_type').limit(page.limit).execute();
}

/** The simulation's sums per credit type (the results' totals). */
export async function totalsByCreditType(db: Database, id: string) {
  return db
    .selectFrom('pricing_simulation_results')
    .select((eb) => [
      'credit_type',
      eb.fn.sum<string>('events').as('events'),
      eb.fn.sum<string>('actual_units').as('actual'),
      eb.fn.sum<string>('simulated_units').as('simulated'),
      eb.fn.sum<string>('unrated_events').as('unrated'),
      eb.fn.sum<string>('unpriced_events').as('unpriced'),
    ])
    .where('simulation_id', '=', id)
    .groupBy('credit_type')
    .orderBy('credit_type')
    .execute();
}
