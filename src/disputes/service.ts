import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { AuditContext } from '../audit/audit-log.js';
import type { Viewer } from '../auth/viewer.js';
import type { Config } from '../config/config.js';
import { disputeActionUpdate, disputeWorkflowId, type DisputeAction } from '../contracts/disputes.js';
import type { DisputeRow } from '../db/schema-disputes.js';
import { ConflictError, NotFoundError, ValidationError, type DomainError } from '../errors.js';
import { requireAccount, type LedgerDeps } from '../ledger/index.js';
import { disputeCaseWorkflow } from '../../workflows/disputes/case.js';
import { disputeView, findDispute, listDisputeRows, notesOf, type DisputeFilter, type DisputeView } from './cases.js';
import { insertDispute } from './changes.js';
import { slaDueAt } from './sla.js';
import { disputedBurn, type DisputeSubjectInput } from './subjects.js';

/** What the dispute routes need: the ledger (database and clock), Temporal and the dispute settings. */
export interface DisputesServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: Pick<
    Config,
    'TEMPORAL_TASK_QUEUE' | 'DISPUTE_SLA_HOURS' | 'DISPUTE_SLA_BUSINESS_DAYS' | 'DISPUTE_QUEUE' | 'DISPUTE_ESCALATION_QUEUE'
  >;
}

/** Starts a case's workflow; a second start (a retry) finds it running. */
async function startCaseWorkflow(deps: DisputesServiceDeps, row: DisputeRow): Promise<void> {
  try {
    await deps.temporal.workflow.start(disputeCaseWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: row.workflow_id,
      args: [
        {
          disputeId: row.id,
          slaMs: Math.max(0, row.sla_due_at.getTime() - row.created_at.getTime()),
          escalationQueue: deps.config.DISPUTE_ESCALATION_QUEUE,
        },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Opens a case on a burn of the account (a ledger transaction or a usage
 * event), then starts its workflow. A second case on a burn whose case is
 * still open is 409; that case's workflow is (re)started first, so a case
 * whose start failed after its row was written is never left without one.
 */
export async function openDispute(
  deps: DisputesServiceDeps,
  request: DisputeSubjectInput & { accountId: string; reason: string },
  opener: { audit: AuditContext; viewer: Viewer },
): Promise<DisputeView> {
  const { db } = deps.ledger;
  await requireAccount(db, request.accountId);
  const burn = await disputedBurn(db, request.accountId, request);
  const now = deps.ledger.clock();
  let row: DisputeRow;
  try {
    row = await insertDispute(
      db,
      {
        accountId: request.accountId,
        burn,
        reason: request.reason,
        queue: deps.config.DISPUTE_QUEUE,
        slaDueAt: slaDueAt(now, deps.config),
        openedByCustomer: opener.viewer === 'customer',
      },
      opener.audit,
      now,
    );
  } catch (error) {
    if (error instanceof ConflictError && error.code === 'dispute_already_open') {
      await startCaseWorkflow(deps, await findDispute(db, String(error.details.disputeId)));
    }
    throw error;
  }
  await startCaseWorkflow(deps, row);
  return disputeView(row, [], opener.viewer);
}

export async function disputeById(deps: { ledger: LedgerDeps }, disputeId: string, viewer: Viewer): Promise<DisputeView> {
  const { db } = deps.ledger;
  const row = await findDispute(db, disputeId);
  return disputeView(row, viewer === 'staff' ? await notesOf(db, disputeId) : null, viewer);
}

/** The account a case belongs to (its route's owner check); NotFoundError for an unknown case. */
export async function disputeAccount(deps: { ledger: LedgerDeps }, disputeId: string): Promise<string> {
  return (await findDispute(deps.ledger.db, disputeId)).account_id;
}

/** Cases, oldest first; notes only on the single-case read. */
export async function disputes(deps: { ledger: LedgerDeps }, filter: DisputeFilter, viewer: Viewer): Promise<DisputeView[]> {
  const rows = await listDisputeRows(deps.ledger.db, filter);
  return rows.map((row) => disputeView(row, null, viewer));
}

const closedConflict = (row: DisputeRow) =>
  new ConflictError('dispute_closed', `Dispute ${row.id} is already ${row.status}`, { disputeStatus: row.status });

/** The domain error behind a failed Update: the workflow's own refusal, or the refusal of the activity it ran. */
function refusalOf(error: WorkflowUpdateFailedError): DomainError | undefined {
  const failure = error.cause instanceof ActivityFailure ? error.cause.cause : error.cause;
  if (!(failure instanceof ApplicationFailure) || !failure.type) return undefined;
  if (failure.type === 'not_found') return new NotFoundError('dispute', '');
  if (failure.type === 'validation_failed') return new ValidationError(failure.message, [{ path: 'amount', message: failure.message }]);
  return new ConflictError(failure.type, failure.message, (failure.details?.[0] as Record<string, unknown> | undefined) ?? {});
}

/**
 * Sends one support action to the case's workflow (its Update, deduplicated
 * by Temporal on an id derived from the request's Idempotency-Key) and
 * answers with the case as it is then. A closed case is 409; a refund the
 * ledger refuses (already refunded elsewhere, more than was burned) is the
 * ledger's 409 and leaves the case as it was.
 */
export async function actOnDispute(
  deps: DisputesServiceDeps,
  disputeId: string,
  action: DisputeAction,
  idempotencyKey: string | undefined,
): Promise<DisputeView> {
  const row = await findDispute(deps.ledger.db, disputeId);
  if (row.status === 'resolved' || row.status === 'rejected') throw closedConflict(row);
  const updateId = idempotencyKey
    ? `http-${createHash('sha256').update(`${disputeId}\u0000${idempotencyKey}`).digest('hex').slice(0, 32)}`
    : undefined;
  try {
    await deps.temporal.workflow
      .getHandle(disputeWorkflowId(disputeId))
      .executeUpdate(disputeActionUpdate, { args: [action], ...(updateId && { updateId }) });
  } catch (error) {
    const refusal = error instanceof WorkflowUpdateFailedError ? refusalOf(error) : undefined;
    if (refusal) throw refusal;
    const now = await findDispute(deps.ledger.db, disputeId);
    if (now.status === 'resolved' || now.status === 'rejected') throw closedConflict(now);
    throw error;
  }
  return disputeById(deps, disputeId, 'staff');
}
