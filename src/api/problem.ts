import type { Response } from 'express';
import {
  AlreadyExistsError,
  ConflictError,
  DomainError,
  ForbiddenError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  LedgerOverloadedError,
  NotFoundError,
  PoolCapExceededError,
  SessionExpiredError,
  ValidationError,
} from '../errors.js';
import { ExpiredKeyError } from '../auth/api-keys.js';
import { ImportInvalidError } from '../imports/validation.js';

/** RFC 9457 problem details: the one error shape of the API. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string; code?: string }[];
  [extension: string]: unknown;
}

export const problemType = (code: string) => `urn:burndown:problem:${code}`;

export class HttpProblem extends Error {
  constructor(
    readonly problem: Omit<Problem, 'type'> & { type?: string },
    readonly headers: Record<string, string> = {},
  ) {
    super(String(problem.detail));
  }
}

export function unauthorized(detail: string): HttpProblem {
  return new HttpProblem({ title: 'Unauthorized', status: 401, detail, code: 'unauthorized' }, { 'WWW-Authenticate': 'Bearer' });
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemContext {
  buyCreditsUrl: (accountId: string) => string;
}

/** Maps any thrown value to a problem. Domain errors are mapped here and nowhere else. */
export function toProblem(error: unknown, context: ProblemContext): { problem: Problem; headers: Record<string, string> } {
  // A detail named like a core member (status, type, title, detail, code)
  // must never overwrite it.
  const core = new Set(['type', 'title', 'status', 'detail', 'code']);
  const base = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem => ({
    type: problemType(code),
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => !core.has(key))),
  });
  if (error instanceof ExpiredKeyError) {
    return {
      problem: base(
        401,
        'api_key_expired',
        `This API key expired at ${error.expiredAt.toISOString()}; use its rolled successor or a new key.`,
        {
          expiredAt: error.expiredAt.toISOString(),
        },
      ),
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' },
    };
  }
  if (error instanceof HttpProblem) {
    return { problem: { type: problemType(String(error.problem.code)), ...error.problem } as Problem, headers: error.headers };
  }
  if (error instanceof ImportInvalidError) {
    // Every problem of every bad row (docs/IMPORTS.md); nothing was written.
    return {
      problem: base(422, error.code, error.message, { totalRows: error.totalRows, badRows: error.badRows, report: [...error.report] }),
      headers: {},
    };
  }
  if (error instanceof ValidationError) {
    return { problem: base(400, error.code, error.message, { errors: [...error.fieldErrors] }), headers: {} };
  }
  if (error instanceof InsufficientCreditsError) {
    const { accountId, creditType, available, requested, shortfall } = error;
    // A pool member's spent cap (issue 18): buying credits does not help, its pool's administrator can raise the cap.
    const advice =
      error instanceof PoolCapExceededError
        ? {
            ...error.cap,
            hint: `The account's cap on ${creditType} credits from pool ${error.cap.parentId} allows ${error.cap.remaining} more until ${error.cap.periodEnd}; the pool's administrator can raise it.`,
          }
        : {
            hint: `Buy at least ${shortfall} more ${creditType} credits, or turn on auto-recharge.`,
            buyCreditsUrl: context.buyCreditsUrl(accountId),
          };
    return {
      problem: base(402, error.code, error.message, { accountId, creditType, available, requested, shortfall, ...advice }),
      headers: {},
    };
  }
  if (error instanceof SessionExpiredError) {
    // 401 with its own code, so a wallet can say "your session has ended" rather than "bad key".
    return {
      problem: base(401, error.code, error.message, error.details),
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    };
  }
  if (error instanceof NotFoundError) return { problem: base(404, error.code, error.message), headers: {} };
  if (error instanceof ForbiddenError) return { problem: base(403, error.code, error.message), headers: {} };
  if (error instanceof IdempotencyConflictError) return { problem: base(422, error.code, error.message), headers: {} };
  if (error instanceof AlreadyExistsError) return { problem: base(409, error.code, error.message, error.details), headers: {} };
  if (error instanceof ConflictError) return { problem: base(409, error.code, error.message, error.details), headers: {} };
  if (error instanceof DomainError) return { problem: base(400, error.code, error.message, error.details), headers: {} };
  if (error instanceof LedgerOverloadedError) {
    return { problem: base(503, error.code, error.message), headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  const parser = bodyParserProblem(error);
  if (parser) return { problem: base(parser.status, parser.code, parser.detail), headers: {} };
  const database = databaseProblem(error);
  if (database) return { problem: base(database.status, database.code, database.detail), headers: database.headers ?? {} };
  return { problem: base(500, 'internal_error', 'An unexpected error occurred; it has been logged with the request id.'), headers: {} };
}

type Mapped = { status: number; code: string; detail: string; headers?: Record<string, string> };

/** body-parser's errors (raised before authentication): never a 500. */
function bodyParserProblem(error: unknown): Mapped | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return undefined;
  const limit = (error as { limit?: number }).limit;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: 'body_too_large', detail: `The request body is larger than ${limit ?? 'the limit of'} bytes.` };
    case 'entity.parse.failed':
      return { status: 400, code: 'malformed_body', detail: `The request body is not valid JSON: ${(error as Error).message}` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', detail: `${(error as Error).message}; send UTF-8 JSON.` };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return { status: 400, code: 'malformed_body', detail: (error as Error).message };
    default:
      return undefined;
  }
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a value out of range, an
 * invalid date, a NUL byte) are the caller's bad input that got past the
 * schema: 400, never 500. A database or Temporal that cannot be reached is 503.
 */
function databaseProblem(error: unknown): Mapped | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
    return { status: 400, code: 'invalid_value', detail: `A value in the request is out of range or invalid (SQLSTATE ${code}).` };
  }
  const unavailable =
    (typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET'].includes(code))) ||
    (error as { name?: string }).name === 'ServiceError' ||
    (error as { type?: string }).type === 'StripeConnectionError';
  if (unavailable) {
    return {
      status: 503,
      code: 'dependency_unavailable',
      detail: 'A dependency is unavailable; retry later.',
      headers: { 'Retry-After': '5' },
    };
  }
  return undefined;
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}
