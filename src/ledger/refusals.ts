import { unitsAtPrecision } from './credit-types.js';
import {
  ConflictError,
  DomainError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  NotFoundError,
  PoolCapExceededError,
  ValidationError,
  type FieldError,
} from '../errors.js';
import type { LedgerRefusal } from './ledger-call.js';

/**
 * The domain error for a refusal the ledger's SQL returned. Messages and
 * details are the ones the ledger has always given: classes that build their
 * message (402, 404) get their figures; the others carry the SQL's message.
 */
export function refusalError({ code, message, details }: LedgerRefusal): DomainError {
  const d = (details ?? {}) as Record<string, string>;
  switch (code) {
    case 'insufficient_credits':
      return new InsufficientCreditsError(d.accountId!, d.creditType!, d.available!, d.requested!, d.shortfall!);
    case 'pool_cap_exceeded': {
      const { parentId, cap, drawn, remaining, periodStart, periodEnd } = d;
      const state = {
        parentId: parentId!,
        cap: cap!,
        drawn: drawn!,
        remaining: remaining!,
        periodStart: periodStart!,
        periodEnd: periodEnd!,
      };
      return new PoolCapExceededError(d.accountId!, d.creditType!, d.available!, d.requested!, d.shortfall!, state);
    }
    case 'not_found':
      return new NotFoundError(d.resource!, d.id!);
    case 'idempotency_key_reused':
      return new IdempotencyConflictError(message ?? code);
    case 'validation_failed':
      return new ValidationError(message ?? code, (details?.fieldErrors ?? []) as FieldError[]);
    case 'invalid_amount':
      return invalidAmount(details as { field: string; text: string; precision: number; allowZero: boolean });
    default:
      return new ConflictError(code, message ?? code, details ?? {});
  }
}

/** The SQL refused an amount at the credit type's precision: parseAmount names the error, as it always has. */
function invalidAmount(d: { field: string; text: string; precision: number; allowZero: boolean }): DomainError {
  try {
    unitsAtPrecision(d.precision, d.text, d.field, { allowZero: d.allowZero });
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`the ledger refused amount "${d.text}" at precision ${d.precision}, which parseAmount accepts`);
}
