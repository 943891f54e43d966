import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type * as workflows from '../../workflows/index.js';

/**
 * Typed definitions of the consumption saga (R-C2, R-C3), for the API, the
 * workflow and product services that start consumptions with the Temporal
 * client themselves (see examples/product-worker/).
 */

/** The saga's workflow type, for product services that start it without Burndown's code (Burndown starts it by function). */
export const CONSUMPTION_WORKFLOW_TYPE = 'consumptionWorkflow' satisfies keyof typeof workflows;
/** Name of the activity a product worker registers on its own task queue for the execute step. */
export const PRODUCT_EXECUTE_ACTIVITY = 'executeConsumption';

export type EnforcementModeName = 'enforce' | 'shadow' | 'off';

/** How the product's own step runs. */
export type ExecuteSpec =
  /** An activity (`executeConsumption`) on the product's task queue, run by the product's own worker. */
  | { mode: 'activity'; taskQueue: string; timeoutSeconds?: number }
  /** The product does the work itself and reports back (`complete` update, or POST /v1/consumptions/{id}/complete). */
  | { mode: 'report'; timeoutSeconds?: number };

export interface ConsumptionInput {
  /** The workflow id; see consumptionWorkflowId in src/consumption/ids.ts. */
  consumptionId: string;
  accountId: string;
  feature: string;
  /** Decimal string: the quantity to reserve for (the estimate, or the known quantity). */
  estimate: string;
  idempotencyKey: string;
  execute: ExecuteSpec;
  /** Who asked; recorded on ledger entries. */
  actor: string;
}

export interface InsufficientCredits {
  accountId: string;
  creditType: string;
  available: string;
  requested: string;
  shortfall: string;
}

/**
 * The synchronous answer: reserved; rejected (402); invalid (unknown account,
 * feature or bad quantity: `code` says which); unavailable (ledger unreachable
 * and fail-closed).
 */
export interface Reservation {
  consumptionId: string;
  status: 'reserved' | 'rejected' | 'invalid' | 'unavailable';
  code?: string;
  enforcementMode: EnforcementModeName;
  /** True when the ledger was unreachable and LEDGER_UNAVAILABLE_POLICY=fail_open let it through unreserved. */
  failOpen: boolean;
  holdId: string | null;
  creditType: string | null;
  /** The rated cost of the estimate (what is held in enforce mode). */
  reserved: string | null;
  pricingVersion: string | null;
  insufficient?: InsufficientCredits;
  reason?: string;
}

export type Completion = { actualQuantity: string } | { failed: true; reason: string };

export interface ConsumptionOutcome {
  consumptionId: string;
  status: 'completed' | 'released' | 'rejected' | 'invalid' | 'unavailable' | 'compensation_failed';
  /** Credits burned (decimal string), null when nothing was burned. */
  burned: string | null;
  creditType: string | null;
  pricingVersion: string | null;
  transactionIds: string[];
  reason?: string;
}

export interface ConsumptionState {
  input: ConsumptionInput;
  reservation: Reservation | null;
  completion: Completion | null;
  outcome: ConsumptionOutcome | null;
}

/** What the product's execute activity receives and returns. */
export interface ExecuteRequest {
  consumptionId: string;
  accountId: string;
  feature: string;
  estimate: string;
  /** Stable per consumption: the product's own side effects can dedupe on it. */
  idempotencyKey: string;
}
export interface ExecuteResult {
  actualQuantity: string;
}
export interface ProductExecuteActivities {
  executeConsumption(request: ExecuteRequest): Promise<ExecuteResult>;
}

/** Update-with-Start target: resolves once the reserve step has an answer. */
export const reservationUpdate = defineUpdate<Reservation>('reservation');
/** Report the product's result: the actual quantity, or a failure. Resolves with the outcome once burned or released. */
export const completeUpdate = defineUpdate<ConsumptionOutcome, [Completion]>('complete');
export const consumptionStateQuery = defineQuery<ConsumptionState>('consumptionState');

/** A quantity as the API and the workflow accept it: a non-negative decimal string. */
export const QUANTITY_PATTERN = /^\d{1,19}(\.\d{1,18})?$/;

/** The metering loop of a task queue: one per deployment, whatever the number of workers. */
export const meteringLoopId = (taskQueue: string) => `${taskQueue}-metering`;
