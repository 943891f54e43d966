import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import { auditing, type AuditContext } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import {
  completeUpdate,
  consumptionStateQuery,
  reservationUpdate,
  type Completion,
  type ConsumptionInput,
  type ConsumptionOutcome,
  type ExecuteSpec,
  type Reservation,
} from '../contracts/consumption.js';
import { NotFoundError } from '../errors.js';
import type { HoldStatus, Mode } from '../db/schema.js';
import {
  findHold,
  getCreditType,
  getHold,
  holdView as holdViewOf,
  requireAccount,
  type HoldView,
  type LedgerDeps,
  type OperationMeta,
} from '../ledger/index.js';
import { refundBurn } from '../observability/measured-ledger.js';
import type { LiveEnforcement } from '../settings/live-enforcement.js';
import { consumptionWorkflow } from '../../workflows/consumption/saga.js';
import { consumptionWorkflowId } from './ids.js';
import { loadAccount, rateUsage } from './rating.js';
import { consumptionDepsFor } from './settings.js';
import { ingestUsageEvents } from './usage-events/ingest.js';
import { getUsageEventView } from './usage-events/view.js';
import { getConsumptionView } from './view.js';

/**
 * What the consumption routes call: the consumption saga (reserve → execute →
 * burn) started and completed over Temporal, usage events ingested for
 * metering, and the ledger's holds and burn refunds. It needs the ledger's
 * dependencies, Temporal and the configuration (pricing rules, enforcement,
 * task queue).
 */
export interface ConsumptionServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: Config;
  enforcement: LiveEnforcement;
  /** Wakes the metering loop (coalesced, never throws); without it metering runs on its fallback timer. */
  wakeMetering?: (() => void) | undefined;
}

export interface ConsumptionRequest {
  accountId: string;
  feature: string;
  /** The quantity to reserve for: the known quantity or an estimate. */
  estimate: string;
  idempotencyKey: string;
  execute: ExecuteSpec;
}

/**
 * Starts the consumption saga with Update-with-Start and returns its answer
 * to the reserve step (reserved, or why not). An unknown account or feature
 * fails here, before any workflow starts.
 */
export async function startConsumption(
  deps: ConsumptionServiceDeps,
  request: ConsumptionRequest,
  actor: string,
): Promise<{ consumptionId: string; reservation: Reservation }> {
  const consumption = await consumptionDepsFor(deps);
  await rateUsage(deps.ledger.db, consumption.catalog, {
    account: await loadAccount(deps.ledger.db, request.accountId),
    feature: request.feature,
    quantity: request.estimate,
    at: deps.ledger.clock(),
  });
  const consumptionId = consumptionWorkflowId(request.accountId, request.idempotencyKey);
  const input: ConsumptionInput = { consumptionId, ...request, actor };
  const start = new WithStartWorkflowOperation(consumptionWorkflow, {
    workflowId: consumptionId,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const reservation = await deps.temporal.workflow.executeUpdateWithStart(reservationUpdate, { startWorkflowOperation: start });
  return { consumptionId, reservation };
}

/** The account of a consumption; NotFoundError for an unknown id. */
export async function consumptionAccount(deps: ConsumptionServiceDeps, consumptionId: string): Promise<string> {
  const row = await deps.ledger.db.selectFrom('consumptions').select(['account_id']).where('id', '=', consumptionId).executeTakeFirst();
  if (!row) throw new NotFoundError('consumption', consumptionId);
  return row.account_id;
}

/**
 * Reports a consumption's result to its workflow (the `complete` Update).
 * When the workflow refuses it, says why, with the consumption's status.
 */
export async function completeConsumption(
  deps: ConsumptionServiceDeps,
  consumptionId: string,
  completion: Completion,
): Promise<{ outcome: ConsumptionOutcome } | { refused: string; consumptionStatus: string }> {
  const handle = deps.temporal.workflow.getHandle(consumptionId);
  try {
    return { outcome: await handle.executeUpdate(completeUpdate, { args: [completion] }) };
  } catch (error) {
    const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    const finished = await deps.ledger.db.selectFrom('consumptions').select(['status']).where('id', '=', consumptionId).executeTakeFirst();
    // An unbound key reaches here without an owner lookup: an unknown id is a 404, not a 500 (found by npm run test:fuzz).
    if (!finished) throw new NotFoundError('consumption', consumptionId);
    const repeated = await closedWithSameReport(handle, completion);
    return repeated ? { outcome: repeated } : { refused: message, consumptionStatus: finished.status };
  }
}

/**
 * The outcome of a closed consumption that was completed with this very
 * report, else undefined. The same report is answered with the outcome while
 * the workflow runs (its update handler) and after it has closed (here): the
 * retry of a report whose answer was lost, e.g. with the API process that
 * sent it, must not be told 409 (found by the scale-out drill).
 */
async function closedWithSameReport(handle: WorkflowHandle, completion: Completion): Promise<ConsumptionOutcome | undefined> {
  try {
    const state = await handle.query(consumptionStateQuery);
    // The workflow's own rule for "the same report" (its update validator).
    const same = state.completion !== null && JSON.stringify(state.completion) === JSON.stringify(completion);
    return same && state.outcome ? state.outcome : undefined;
  } catch {
    return undefined; // not queryable (no worker, no such workflow): the update's refusal stands
  }
}

/** A consumption with its ratings and ledger entries. */
export function consumptionView(deps: ConsumptionServiceDeps, consumptionId: string) {
  return getConsumptionView(deps.ledger.db, consumptionId);
}

/** Stores a batch of usage events for metering; each is answered on its own. */
export async function ingestEvents(deps: ConsumptionServiceDeps, events: readonly unknown[], mayUse: (accountId: string) => boolean) {
  const results = await ingestUsageEvents(await consumptionDepsFor(deps), events, { mayUse });
  const tally = (status: string) => results.filter((r) => r.status === status).length;
  const accepted = tally('accepted');
  // After the insert committed, so the pass it starts sees the events; not awaited, so the request never waits for Temporal.
  if (accepted > 0) deps.wakeMetering?.();
  return { accepted, duplicates: tally('duplicate'), rejected: tally('rejected'), results };
}

/** A usage event with its rating, status and the ledger entries it produced. */
export function usageEventView(deps: ConsumptionServiceDeps, eventId: string, accountId: string | null, mode: Mode) {
  return getUsageEventView(deps.ledger.db, eventId, accountId, mode);
}

/** A hold as the API shows it. */
export function holdView(deps: { ledger: LedgerDeps }, holdId: string) {
  return getHold(deps.ledger.db, holdId);
}

/** An existing account's holds, newest first (active ones by default: what is reserved now). */
export async function holdsOf(
  deps: { ledger: LedgerDeps },
  accountId: string,
  filter: { status?: HoldStatus | undefined; limit: number },
): Promise<HoldView[]> {
  const { db } = deps.ledger;
  await requireAccount(db, accountId);
  let query = db.selectFrom('holds').selectAll().where('account_id', '=', accountId);
  if (filter.status) query = query.where('status', '=', filter.status);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return Promise.all(rows.map(async (h) => holdViewOf(await getCreditType(db, h.credit_type), h)));
}

/** The account a hold belongs to; NotFoundError for an unknown hold. */
export async function holdAccount(deps: { ledger: LedgerDeps }, holdId: string): Promise<string> {
  return (await findHold(deps.ledger.db, holdId)).account_id;
}

/** Refunds (part of) a burn, with its audit record written in the refund's own ledger transaction. */
export function refundBurnAudited(
  deps: { ledger: LedgerDeps },
  refund: { accountId: string; transactionId: string; amount?: string | undefined },
  meta: OperationMeta,
  audit: AuditContext,
) {
  const audited = auditing(deps.ledger, 'refund', {
    ...audit,
    action: 'burn.refund',
    targetType: 'transaction',
    targetId: refund.transactionId,
    accountId: refund.accountId,
    reason: meta.reason,
  });
  return refundBurn(audited, refund, meta);
}
