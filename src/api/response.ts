import type { Request, Response } from 'express';

/** What a route handler answers; defineRoute sends it and the idempotency layer stores it. */
export interface RouteResult {
  status: number;
  body: unknown;
  /** body is already the serialized bytes (an idempotent replay). */
  raw?: boolean;
  headers?: Record<string, string>;
  /** What the idempotency layer stores and replays instead of `body` (secrets shown once removed). */
  stored?: unknown;
  /**
   * With `idempotent: 'ledger'`: the ledger operation did not run (a deduct or
   * hold in shadow or off mode), so the Idempotency-Key's record is written
   * after the handler instead, as any route's is.
   */
  outsideLedger?: boolean;
}

/** How a response body goes on the wire; the stored copy is these exact bytes. */
export function serializeBody(body: unknown): string {
  return JSON.stringify(body);
}

/**
 * Sends a non-JSON body (CSV, PDF) from a defineRoute handler. The response is
 * finished here; the empty result tells defineRoute there is nothing left to
 * send (ending a finished response is a no-op).
 */
export function sendRaw(req: Request, contentType: string, body: string | Buffer, filename?: string): RouteResult {
  const res = req.res as Response;
  res.status(200).type(contentType);
  if (filename) res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.send(body);
  return { status: 200, body: undefined };
}
