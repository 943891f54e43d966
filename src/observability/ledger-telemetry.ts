import { trace, type Attributes } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import {
  ConflictError,
  DomainError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  NotFoundError,
  StoredHttpResponse,
  ValidationError,
} from '../errors.js';
import { ledgerOperationDuration, ledgerOperations } from './metrics.js';
import { withSpan } from './spans.js';

/** A bounded outcome label: a handful of kinds, never a message or an id. */
export function outcomeOf(error: unknown): string {
  if (error instanceof InsufficientCreditsError) return 'insufficient_credits';
  if (error instanceof ConflictError || error instanceof IdempotencyConflictError) return 'conflict';
  if (error instanceof NotFoundError) return 'not_found';
  if (error instanceof ValidationError) return 'invalid';
  if (error instanceof DomainError) return 'refused';
  return 'error';
}

/**
 * One ledger operation as its caller sees it, measured at the service
 * boundary (src/ledger imports nothing above it, so it is measured from
 * outside): `burndown_ledger_operations_total{operation,outcome}`,
 * `burndown_ledger_operation_duration_seconds{operation}` and a
 * `ledger.<operation>` span around the transaction's statements.
 *
 * A call that finds its HTTP Idempotency-Key already holding the response
 * (StoredHttpResponse: a route with `idempotent: 'ledger'` replaying) ran no
 * operation, so it is neither counted nor timed here (the API counts it in
 * burndown_idempotent_replays_total); its span says so and is not an error.
 * Counted, it would be an outcome of 'error', which pages (BurndownLedgerErrors).
 */
export async function measureLedger<T>(operation: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome = 'ok';
  let replayed: StoredHttpResponse | undefined;
  try {
    const result = await withSpan(`ledger.${operation}`, attributes, async () => {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof StoredHttpResponse)) throw error;
        trace.getActiveSpan()?.setAttribute('burndown.idempotent_replay', true);
        replayed = error;
        return undefined;
      }
    });
    if (replayed) throw replayed;
    return result as T;
  } catch (error) {
    outcome = outcomeOf(error);
    throw error;
  } finally {
    if (!replayed) {
      ledgerOperations.inc({ operation, outcome });
      ledgerOperationDuration.observe({ operation }, (performance.now() - started) / 1000);
    }
  }
}
