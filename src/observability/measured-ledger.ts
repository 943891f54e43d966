import type { Attributes } from '@opentelemetry/api';
import * as ledger from '../ledger/index.js';
import { measureLedger } from './ledger-telemetry.js';

/**
 * The ledger's operations as the services call them: each is the ledger's own
 * function, measured (burndown_ledger_operations_total, the latency histogram
 * and a `ledger.<operation>` span; see ledger-telemetry.ts). Services, routes
 * and activities import these instead of the bare ones from src/ledger, and
 * lint holds them to it, so no caller is left unmeasured; src/ledger itself
 * knows nothing of metrics.
 */
function measured<A extends unknown[], R>(
  operation: string,
  attributesOf: (...args: NoInfer<A>) => Attributes,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) => measureLedger(operation, attributesOf(...args), () => fn(...args));
}

const account = (accountId: string, creditType?: string): Attributes => ({
  'burndown.account_id': accountId,
  ...(creditType !== undefined && { 'burndown.credit_type': creditType }),
});
const byInput = (...[, input]: [unknown, { accountId: string; creditType?: string }, ...unknown[]]) =>
  account(input.accountId, input.creditType);
const byId =
  (key: string) =>
  (...[, id]: [unknown, string, ...unknown[]]) => ({ [key]: id });

export const deduct = measured('deduct', byInput, ledger.deduct);
/** Attributes of a sequence: its account (every deduct of a sequence is one account's). */
const bySequence = (...[, deducts]: [unknown, readonly { input: { accountId: string; creditType: string } }[], ...unknown[]]) =>
  deducts[0] ? account(deducts[0].input.accountId, deducts[0].input.creditType) : {};
export const deductInSequence = measured('deduct_sequence', bySequence, ledger.deductInSequence);
export const deductAll = measured('deduct_all', byInput, ledger.deductAll);
export const createHold = measured('hold', byInput, ledger.createHold);
export const commitHold = measured('commit_hold', byId('burndown.hold_id'), ledger.commitHold);
export const releaseHold = measured('release_hold', byId('burndown.hold_id'), ledger.releaseHold);
export const refundBurn = measured('refund', byInput, ledger.refundBurn);
export const issueGrant = measured('grant', byInput, ledger.issueGrant);
export const voidGrant = measured('void_grant', byId('burndown.grant_id'), ledger.voidGrant);
export const voidGrantPartially = measured('void_grant', byId('burndown.grant_id'), ledger.voidGrantPartially);
export const expireGrant = measured('expire_grant', byId('burndown.grant_id'), ledger.expireGrant);
export const changeGrantExpiry = measured('change_grant_expiry', byId('burndown.grant_id'), ledger.changeGrantExpiry);
export const sweepExpiredHolds = measured('sweep_holds', () => ({}), ledger.sweepExpiredHolds);
