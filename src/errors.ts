/**
 * Domain errors shared by every area: small classes with a stable
 * machine-readable code. Each boundary maps them once: to HTTP problems in
 * src/api/problem.ts, to Temporal failures in activities/failures.ts.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
  constructor(
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} was not found`, { resource, id });
  }
}

export class AlreadyExistsError extends DomainError {
  readonly code = 'already_exists';
  constructor(resource: string, id: string) {
    super(`${resource} ${id} already exists`, { resource, id });
  }
}

/** A state conflict the caller can act on; `code` says which. */
export class ConflictError extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

/** 402: not enough credits. Amounts are decimal strings in the credit type's precision. */
export class InsufficientCreditsError extends DomainError {
  readonly code: string = 'insufficient_credits';
  constructor(
    readonly accountId: string,
    readonly creditType: string,
    readonly available: string,
    readonly requested: string,
    readonly shortfall: string,
  ) {
    super(`Account ${accountId} has ${available} ${creditType} credits available; ${requested} were requested (short by ${shortfall}).`, {
      accountId,
      creditType,
      available,
      requested,
      shortfall,
    });
  }
}

/** What a pool member's cap allows this period (issue 18), as the ledger reported it. */
export interface PoolCapState {
  parentId: string;
  cap: string;
  drawn: string;
  remaining: string;
  periodStart: string;
  periodEnd: string;
}

/**
 * A pool member's cap for the period, not the pool, is what is short: 402 as
 * insufficient credits (everything that handles those handles this), with
 * its own code and the cap's figures.
 */
export class PoolCapExceededError extends InsufficientCreditsError {
  override readonly code: string = 'pool_cap_exceeded';
  constructor(
    accountId: string,
    creditType: string,
    available: string,
    requested: string,
    shortfall: string,
    readonly cap: PoolCapState,
  ) {
    super(accountId, creditType, available, requested, shortfall);
    this.message =
      `Account ${accountId} may draw ${cap.remaining} more ${creditType} credits from pool ${cap.parentId} until ${cap.periodEnd} ` +
      `(cap ${cap.cap}, drawn ${cap.drawn}); ${requested} were requested, ${available} are available to it.`;
    Object.assign(this.details, cap);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class IdempotencyConflictError extends DomainError {
  readonly code = 'idempotency_key_reused';
}

/** A browser session token that has expired (src/auth/session-tokens.ts): the page must ask its server for a new one. */
export class SessionExpiredError extends DomainError {
  readonly code = 'session_expired';
  constructor(readonly expiredAt: Date) {
    super(`The session token expired at ${expiredAt.toISOString()}; the page must ask its server for a new one.`, {
      expiredAt: expiredAt.toISOString(),
    });
  }
}

/**
 * Not an error of the request: the HTTP Idempotency-Key the operation was
 * asked to complete (OperationMeta.httpIdempotency) already holds this
 * request's response, or the ledger key already held the operation and its
 * first result is now that response. The operation did not run; the API
 * answers with `status` and `body` exactly as stored (a replay, byte for
 * byte the first response).
 */
export class StoredHttpResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: string | null,
  ) {
    super(`the Idempotency-Key holds a ${status} response`);
    this.name = 'StoredHttpResponse';
  }
}

/**
 * Not a refusal of the request: this process has more ledger operations
 * waiting than it accepts (group commit's bounded queues). Nothing was run;
 * retry after `retryAfterSeconds` (the API answers 503 with Retry-After).
 * Not a DomainError, so activities and metering retry it as they retry an
 * unreachable database, rather than failing the operation for good.
 */
export class LedgerOverloadedError extends Error {
  readonly code = 'ledger_overloaded';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many ledger operations are waiting in this process; retry in ${retryAfterSeconds} s.`);
    this.name = 'LedgerOverloadedError';
  }
}
