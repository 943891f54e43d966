import { sql, type Kysely } from 'kysely';

/**
 * Pricing simulations (issue 18): a candidate version (or inline rules)
 * re-rates the stored usage events of a window; nothing is written to the
 * ledger. One `pricing_simulations` row per run with its keyset cursor and
 * counts (the progress a GET shows while it runs), and one
 * `pricing_simulation_results` row per account, feature and credit type,
 * summed page by page. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pricing_simulations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('live', 'test')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('running', 'completed', 'failed')`))
    // The version id, or 'inline' for rules sent with the request.
    .addColumn('candidate_version', 'text', (c) => c.notNull())
    .addColumn('candidate', 'jsonb', (c) => c.notNull())
    .addColumn('window_from', 'timestamptz', (c) => c.notNull())
    .addColumn('window_to', 'timestamptz', (c) => c.notNull())
    .addColumn('account_ids', sql`text[]`)
    // Counted by the first page; null until then.
    .addColumn('total_events', 'int8')
    .addColumn('rated_events', 'int8', (c) => c.notNull().defaultTo(0))
    // The last event rated, in (account_id, event_time, id) order; null before the first page.
    .addColumn('cursor_account', 'text')
    .addColumn('cursor_time', 'timestamptz')
    .addColumn('cursor_id', 'text')
    .addColumn('failure', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('pricing_simulations_created_idx').on('pricing_simulations').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('pricing_simulation_results')
    .addColumn('simulation_id', 'text', (c) => c.notNull().references('pricing_simulations.id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    // '' for events neither rated when stored nor priced by the candidate.
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('events', 'int8', (c) => c.notNull())
    // Smallest units of the credit type; numeric: sums of int8 costs stay exact.
    .addColumn('actual_units', 'numeric', (c) => c.notNull())
    .addColumn('simulated_units', 'numeric', (c) => c.notNull())
    // Events with no stored rating (pending or failed when stored) and events the candidate cannot price.
    .addColumn('unrated_events', 'int8', (c) => c.notNull())
    .addColumn('unpriced_events', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('pricing_simulation_results_pk', ['simulation_id', 'account_id', 'feature', 'credit_type'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pricing_simulation_results').ifExists().execute();
  await db.schema.dropTable('pricing_simulations').ifExists().execute();
}
