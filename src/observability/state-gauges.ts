import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { Database } from '../db/database.js';
import { registry } from './metrics.js';

/** How long one reading of the database serves scrapes: several Prometheus servers, or a fast interval, cost one query. */
export const STATE_CACHE_MS = 5_000;

interface StateReading {
  outboxLagSeconds: number;
  outboxPending: number;
  deadLetters: number;
  discrepancies: number;
  postgresUp: boolean;
  temporalUp: boolean;
}

/**
 * One query for every database-backed gauge: the outbox backlog (events above
 * the relay cursor without a dispatch marker, the relay's own definition of
 * "not yet relayed"), the dead-letter list, and the latest reconciliation.
 * Each part uses an index (outbox seq, webhook_deliveries(status),
 * finance_reconciliations(ran_at)).
 */
async function readState(db: Database): Promise<Omit<StateReading, 'temporalUp'>> {
  const { rows } = await sql<{ lag: string | null; pending: string; dead: string; discrepancies: string | null }>`
    with waiting as (
      select e.created_at from outbox_events e
      where e.seq > coalesce((select max(cursor_seq) from outbox_relay_state), 0)
        and not exists (select 1 from outbox_dispatches d where d.seq = e.seq)
    )
    select
      (select extract(epoch from now() - min(created_at))::text from waiting) as lag,
      (select count(*)::text from waiting) as pending,
      (select count(*)::text from webhook_deliveries where status = 'failed') as dead,
      (select jsonb_array_length(discrepancies)::text from finance_reconciliations order by ran_at desc limit 1) as discrepancies`.execute(
    db,
  );
  const row = rows[0]!;
  return {
    outboxLagSeconds: Math.max(0, Number(row.lag ?? 0)),
    outboxPending: Number(row.pending),
    deadLetters: Number(row.dead),
    discrepancies: Number(row.discrepancies ?? 0),
    postgresUp: true,
  };
}

let source: (() => Promise<StateReading>) | undefined;
let pool: pg.Pool | undefined;

/**
 * Lets the scrape-time gauges read this process's database, pool and Temporal
 * connection. One reading is cached for STATE_CACHE_MS; when the database does
 * not answer, the dependency is reported down and the other gauges keep their
 * last values.
 */
export function watchProcessState(deps: { db: Database; pool: pg.Pool; temporal: Client }): void {
  let cached: { at: number; reading: Promise<StateReading> } | undefined;
  let last: StateReading = {
    outboxLagSeconds: 0,
    outboxPending: 0,
    deadLetters: 0,
    discrepancies: 0,
    postgresUp: false,
    temporalUp: false,
  };
  const read = async (): Promise<StateReading> => {
    const [database, temporalUp] = await Promise.all([
      readState(deps.db).catch(() => undefined),
      deps.temporal.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
    ]);
    last = database ? { ...database, temporalUp } : { ...last, postgresUp: false, temporalUp };
    return last;
  };
  source = () => {
    const now = Date.now();
    if (!cached || now - cached.at > STATE_CACHE_MS) cached = { at: now, reading: read() };
    return cached.reading;
  };
  pool = deps.pool;
}

/** A gauge whose value is set from the shared reading when Prometheus scrapes (prom-client calls collect() per metric). */
function stateGauge(name: string, help: string, pick: (reading: StateReading, gauge: Gauge) => void, labelNames: string[] = []) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      if (source) pick(await source(), this);
    },
  });
}

stateGauge('burndown_outbox_lag_seconds', 'Age of the oldest outbox event not yet relayed (0 when none is waiting).', (r, g) =>
  g.set(r.outboxLagSeconds),
);
stateGauge('burndown_outbox_pending_events', 'Outbox events not yet relayed.', (r, g) => g.set(r.outboxPending));
stateGauge('burndown_webhook_dead_letters', 'Webhook deliveries on the dead-letter list (status failed).', (r, g) => g.set(r.deadLetters));
stateGauge(
  'burndown_reconciliation_discrepancies',
  'Discrepancies found by the latest ledger reconciliation (0 when it balanced).',
  (r, g) => g.set(r.discrepancies),
);
stateGauge(
  'burndown_dependency_up',
  'Whether PostgreSQL and Temporal answered at the last reading (1) or not (0): what /readyz checks.',
  (r, g) => {
    g.set({ dependency: 'postgres' }, r.postgresUp ? 1 : 0);
    g.set({ dependency: 'temporal' }, r.temporalUp ? 1 : 0);
  },
  ['dependency'],
);

new Gauge({
  name: 'burndown_db_pool_connections',
  help: 'Connections of the database pool by state: total (open), idle, waiting (callers queued for one), max (pool size).',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: 'total' }, pool.totalCount);
    this.set({ state: 'idle' }, pool.idleCount);
    this.set({ state: 'waiting' }, pool.waitingCount);
    this.set({ state: 'max' }, pool.options.max ?? 0);
  },
});
