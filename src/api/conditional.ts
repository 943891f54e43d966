import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { serializeBody, type RouteResult } from './response.js';

/**
 * A GET answered 304 when the client's If-None-Match names the body's ETag.
 * Done here rather than by Express's freshness check, which treats every
 * request carrying `Cache-Control: no-cache` as stale: browsers add that
 * header to any fetch that sets If-None-Match itself (fetch spec, "no-store"
 * mode), which is exactly how a polling wallet asks. An origin server may
 * validate such a request; only caches must not answer it from storage.
 */
export function conditionalGet(req: Request, body: unknown, headers: Record<string, string> = {}): RouteResult {
  const etag = `W/"${createHash('sha256').update(serializeBody(body)).digest('base64url').slice(0, 27)}"`;
  const presented = (req.header('if-none-match') ?? '')
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter(Boolean);
  const matches = presented.includes('*') || presented.includes(etag.slice(2));
  return matches
    ? { status: 304, body: undefined, headers: { ...headers, ETag: etag } }
    : { status: 200, body, headers: { ...headers, ETag: etag } };
}
