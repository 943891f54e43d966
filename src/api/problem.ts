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
  SessionExpiredError,
  ValidationError,
} from '../errors.js';

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
  if (error instanceof HttpProblem) {
    return { problem: { type: problemType(String(error.problem.code)), ...error.problem } as Problem, headers: error.headers };
  }
  if (error instanceof ValidationError) {
    return { problem: base(400, error.code, error.message, { errors: [...error.fieldErrors] }), headers: {} };
  }
  if (error instanceof InsufficientCreditsError) {
    return {
      problem: base(402, error.code, error.message, {
        accountId: error.accountId,
        creditType: error.creditType,
        available: error.available,
        requested: error.requested,
        shortfall: error.shortfall,
        hint: `Buy at least ${error.shortfall} more ${error.creditType} credits, or turn on auto-recharge.`,
        buyCreditsUrl: context.buyCreditsUrl(error.accountId),
      }),
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
  if (isBodyParserError(error)) {
    return { problem: base(400, 'malformed_body', `The request body is not valid JSON: ${error.message}`), headers: {} };
  }
  return { problem: base(500, 'internal_error', 'An unexpected error occurred; it has been logged with the request id.'), headers: {} };
}

function isBodyParserError(error: unknown): error is { type: string; message: string } {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'entity.parse.failed';
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}
