import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/api-keys.js';
import type { ApiDeps } from './deps.js';
import { HttpProblem, unauthorized } from './problem.js';
import { limitersOf, rateLimited } from './rate-limit.js';
import { addLogBindings } from './request-log.js';

/** JSON nesting deeper than this is refused: no legitimate body needs it, and deep recursion downstream (hashing) must not be reachable. */
export const MAX_JSON_DEPTH = 32;

const badRequest = (code: string, detail: string, path: string, message: string) =>
  new HttpProblem({ title: 'Bad Request', status: 400, code, detail, errors: [{ path, message, code }] });

/**
 * Requests that carry a body must say it is JSON: anything else is a 415
 * that says so (before, a form post was silently read as an empty body).
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  // A file already read as text by the parser of a route that takes one (a bulk import) is not JSON by design.
  if (hasBody && typeof req.body !== 'string' && !req.is(['application/json', 'application/*+json'])) {
    throw new HttpProblem({
      title: 'Unsupported Media Type',
      status: 415,
      code: 'unsupported_media_type',
      detail: `Send the request body as Content-Type: application/json (got ${req.headers['content-type'] ?? 'no Content-Type'}).`,
    });
  }
  next();
}

/** The text body of a route that takes a file (rawBody); another content type is a 415 naming the ones it takes. */
export function readRawBody(req: Request, contentTypes: readonly string[]): string {
  if (!req.is([...contentTypes])) {
    throw new HttpProblem({
      title: 'Unsupported Media Type',
      status: 415,
      code: 'unsupported_media_type',
      detail: `Send the file as Content-Type: ${contentTypes.join(' or ')} (got ${req.headers['content-type'] ?? 'no Content-Type'}).`,
    });
  }
  return typeof req.body === 'string' ? req.body : '';
}

/**
 * One walk over the parsed body and the query (iterative: a hostile depth
 * cannot overflow the stack here): no NUL character in any string or key
 * (PostgreSQL text cannot hold it), and no nesting deeper than MAX_JSON_DEPTH.
 */
export function inspectInput(req: Request, _res: Response, next: NextFunction): void {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: req.body, path: '', depth: 0 },
    { value: req.query, path: 'query', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        throw badRequest('nul_character', 'Strings may not contain the NUL character (\\u0000).', path, 'contains \\u0000');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw badRequest(
        'too_deep',
        `The request nests deeper than ${MAX_JSON_DEPTH} levels.`,
        path,
        `nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    for (const [key, inner] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000'))
        throw badRequest('nul_character', 'Field names may not contain the NUL character.', at, 'contains \\u0000');
      stack.push({ value: inner, path: at, depth: depth + 1 });
    }
  }
  next();
}

/**
 * Bearer authentication of a route's caller (an API key or a browser session
 * token), called by defineRoute for each route, so a path no route serves is
 * a 404 whoever asks. Failed attempts are counted per source address; beyond
 * RATE_LIMIT_AUTH_FAILURES_PER_MINUTE that address gets 429 for any token
 * this process has not already verified, so guessing costs time and a flood
 * of made-up tokens cannot become a flood of database lookups.
 */
export async function authenticate(deps: ApiDeps, req: Request): Promise<Principal> {
  const failures = limitersOf(deps).authFailures;
  const header = req.header('authorization');
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const source = req.ip ?? 'unknown';
  const knownGood = token !== undefined && (deps.verifyApiKey.isKnownGood?.(token) ?? false);
  if (!knownGood && failures.empty(source)) {
    throw rateLimited(
      'Too many failed authentications from this address',
      Math.max(1, Math.ceil(60 / deps.config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE)),
    );
  }
  const refuse = (detail: string) => {
    failures.take(source);
    return unauthorized(detail);
  };
  if (!token) throw refuse('Send an API key as `Authorization: Bearer <key>`.');
  const principal = await deps.verifyApiKey(token);
  if (!principal) throw refuse('The API key is unknown, malformed or revoked.');
  addLogBindings(req, { keyId: principal.keyId });
  return principal;
}
