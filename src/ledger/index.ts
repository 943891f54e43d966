/** The ledger's public surface: the API, activities and tests import from here. */
export * from './accounts.js';
export * from './balances.js';
export * from './spending-room.js';
export type {
  HttpIdempotencyRecord,
  LedgerDeps,
  LedgerObserver,
  LedgerOperationEvent,
  LedgerSqlObserver,
  LedgerTransactionObserver,
  OperationMeta,
} from './context.js';
export * from './credit-types.js';
export { deduct, deductInSequence, resolveCreditType, spendableTotal, type DeductInput, type DeductResult } from './deduct.js';
export { deductAll, type DeductAllInput, type DeductAllResult } from './deduct-all.js';
export * from '../errors.js';
export * from './grants.js';
export { createGroupCommit, GroupCommit, type GroupCommitOptions } from './group-commit.js';
export * from './holds.js';
export * from './invariants.js';
export * from './refunds.js';
export * from './grant-expiry-change.js';
export { voidGrantPartially } from './partial-void.js';
export { issueGrantBatch, type BatchedGrant } from './grant-batch.js';
export type { LedgerOutcome, LedgerRefusal } from './ledger-call.js';
export { requestHash } from './ledger-transaction.js';
export type { SequenceStep } from './ledger-sequence.js';
export { canonicalJson, entryHash, type HashedEntryFields } from './entry-hash.js';
export * from './point-in-time.js';
export * from './statement-movements.js';
