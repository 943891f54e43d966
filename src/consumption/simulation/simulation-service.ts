import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { v7 as uuidv7 } from 'uuid';
import { pricingSimulationWorkflow } from '../../../workflows/pricing/simulation.js';
import { writeAudit, type AuditContext } from '../../audit/audit-log.js';
import type { Config } from '../../config/config.js';
import { simulationWorkflowId } from '../../contracts/pricing.js';
import type { Mode } from '../../db/schema.js';
import type { PricingSimulation, PricingSimulationResult } from '../../db/schema-pricing-simulations.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { LedgerDeps } from '../../ledger/index.js';
import { formatAmount } from '../../money/amount.js';
import { pricingCatalogFor } from '../pricing/catalog.js';
import { resolveCandidate, type CandidateInput } from './candidate.js';
import { creditPrecisions, progressOf } from './simulation-page.js';
import { findSimulation, insertSimulation, listResults, totalsByCreditType } from './simulation-store.js';

/** Events per page (one transaction each): large enough that a page's round trips are a small part of its time. */
export const SIMULATION_PAGE_SIZE = 5000;

/** What the simulation routes need: the ledger (database and clock), Temporal, the task queue and the pricing folder. */
export interface SimulationServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PRICING_DIR'>;
}

export interface SimulationRequest {
  candidate: CandidateInput;
  from: Date;
  to: Date;
  accounts?: string[] | undefined;
}

/** Credit amounts of the credit types' precisions, exact: units as decimal strings, the difference simulated − actual. */
function amounts(precisions: ReadonlyMap<string, number>, creditType: string, actual: string, simulated: string) {
  const precision = precisions.get(creditType) ?? 0;
  const [a, s] = [BigInt(actual), BigInt(simulated)];
  return { actual: formatAmount(a, precision), simulated: formatAmount(s, precision), difference: formatAmount(s - a, precision) };
}

export async function simulationView(deps: SimulationServiceDeps, row: PricingSimulation) {
  const { simulationId: _id, ...progress } = progressOf(row);
  const totals = await totalsByCreditType(deps.ledger.db, row.id);
  const precisions = await creditPrecisions(deps.ledger.db);
  return {
    id: row.id,
    candidate: row.candidate_version,
    from: row.window_from.toISOString(),
    to: row.window_to.toISOString(),
    accounts: row.account_ids,
    ...progress,
    failure: row.failure,
    totals: totals.map((t) => ({
      creditType: t.credit_type === '' ? null : t.credit_type,
      events: Number(t.events),
      ...amounts(precisions, t.credit_type, t.actual, t.simulated),
      unratedEvents: Number(t.unrated),
      unpricedEvents: Number(t.unpriced),
    })),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    workflowId: row.workflow_id,
  };
}

/**
 * Starts a simulation: the candidate validated (a known version, or inline
 * rules with known credit types), the simulation stored with its audit record,
 * then its workflow started. Nothing is written to the ledger, ever.
 */
export async function createSimulation(deps: SimulationServiceDeps, request: SimulationRequest, who: { mode: Mode; audit: AuditContext }) {
  if (request.to <= request.from) {
    throw new ValidationError('The window is empty', [{ path: 'to', message: 'must be after from', code: 'invalid_window' }]);
  }
  const catalog = await pricingCatalogFor(deps.config.PRICING_DIR);
  const candidate = await resolveCandidate(deps.ledger.db, catalog, request.candidate, request.from);
  const now = deps.ledger.clock();
  const id = `sim_${uuidv7().replaceAll('-', '')}`;
  const accounts = request.accounts ? [...new Set(request.accounts)].sort() : null;
  const created = await insertSimulation(
    deps.ledger.db,
    {
      id,
      mode: who.mode,
      state: 'running',
      candidate_version: candidate.version,
      candidate: JSON.stringify(candidate),
      window_from: request.from,
      window_to: request.to,
      account_ids: accounts,
      created_by: who.audit.actor,
      workflow_id: simulationWorkflowId(id),
      created_at: now,
      updated_at: now,
    },
    (tx) =>
      writeAudit(tx, {
        ...who.audit,
        action: 'pricing_simulation.create',
        targetType: 'pricing_simulation',
        targetId: id,
        after: { candidate: candidate.version, from: request.from.toISOString(), to: request.to.toISOString(), accounts },
        occurredAt: now,
      }),
  );
  try {
    await deps.temporal.workflow.start(pricingSimulationWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: created.workflow_id,
      args: [{ simulationId: id, pageSize: SIMULATION_PAGE_SIZE }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return simulationView(deps, created);
}

export async function simulationMode(deps: { ledger: LedgerDeps }, id: string): Promise<Mode> {
  return (await findSimulation(deps.ledger.db, id)).mode;
}

/** One simulation of the caller's mode, with its progress and totals; the other mode's is not found. */
export async function simulationById(deps: SimulationServiceDeps, id: string, mode: Mode) {
  const row = await findSimulation(deps.ledger.db, id);
  if (row.mode !== mode) throw new NotFoundError('pricing simulation', id);
  return simulationView(deps, row);
}

function resultView(precisions: ReadonlyMap<string, number>, r: PricingSimulationResult) {
  return {
    accountId: r.account_id,
    feature: r.feature,
    creditType: r.credit_type === '' ? null : r.credit_type,
    events: Number(r.events),
    ...amounts(precisions, r.credit_type, r.actual_units, r.simulated_units),
    unratedEvents: Number(r.unrated_events),
    unpricedEvents: Number(r.unpriced_events),
  };
}

/** A page of the per-account, per-feature results; the cursor is the last row's key. */
export async function simulationResults(
  deps: SimulationServiceDeps,
  id: string,
  mode: Mode,
  page: { limit: number; cursor?: string | undefined },
) {
  const row = await findSimulation(deps.ledger.db, id);
  if (row.mode !== mode) throw new NotFoundError('pricing simulation', id);
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const rows = await listResults(deps.ledger.db, id, { limit: page.limit, after });
  const precisions = await creditPrecisions(deps.ledger.db);
  const last = rows.at(-1);
  return {
    state: row.state,
    data: rows.map((r) => resultView(precisions, r)),
    nextCursor: rows.length === page.limit && last ? encodeCursor([last.account_id, last.feature, last.credit_type]) : null,
  };
}

const encodeCursor = (key: [string, string, string]) => Buffer.from(JSON.stringify(key)).toString('base64url');
function decodeCursor(cursor: string): [string, string, string] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(key) && key.length === 3 && key.every((k) => typeof k === 'string')) return key as [string, string, string];
  } catch {
    // falls through to the field error
  }
  throw new ValidationError('Invalid cursor', [
    { path: 'cursor', message: 'use the nextCursor of the previous page', code: 'invalid_cursor' },
  ]);
}
