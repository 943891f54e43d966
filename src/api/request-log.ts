import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { requestLogView } from './app-document.js';

declare module 'http' {
  interface IncomingMessage {
    /** This request's logger: its request id, method, URL and allowed headers (and key id once authenticated) on every line. */
    log: Logger;
  }
}

/** Not logged per request: probes and scrapes, which metrics already count. */
const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);

const bindings = new WeakMap<Request, Record<string, unknown>>();

/**
 * Request logging that costs a request nothing unless a line is written
 * (issue 13: pino-http made two child loggers per request, serializing and
 * redacting the request into each, about 8 % of the API's CPU on the read
 * path, though the request's own line is at debug and not written at the
 * production level). Here `req.log` is made the first time something logs
 * through it (a warning, an error: rare), and the one line per request is
 * built only when its level is enabled: error for a 5xx, info for a 4xx,
 * debug otherwise. The line carries the request as requestLogView shows it
 * (never Authorization, cookies or signatures; the logger's redaction is the
 * second line of defence), the status and the time taken.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    let log: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (log ??= logger.child({ req: viewOf(req, res), requestId: res.locals.requestId, ...bindings.get(req) })),
      set: (value: Logger) => (log = value),
    });
    if (!UNLOGGED.has(req.path)) res.once('close', () => logCompleted(logger, req, res, performance.now() - started));
    next();
  };
}

/** Adds fields to every line of this request's log (the key id once authenticated) without making its logger now. */
export function addLogBindings(req: Request, fields: Record<string, unknown>): void {
  bindings.set(req, { ...bindings.get(req), ...fields });
}

const viewOf = (req: Request, res: Response) => requestLogView(Object.assign(req, { id: res.locals.requestId as unknown }));

function logCompleted(logger: Logger, req: Request, res: Response, elapsedMs: number): void {
  const status = res.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
  if (!logger.isLevelEnabled(level)) return;
  const failed = status >= 500 || !res.writableFinished;
  logger[level](
    {
      req: viewOf(req, res),
      requestId: res.locals.requestId,
      ...bindings.get(req),
      res: { statusCode: status },
      responseTime: Math.round(elapsedMs),
      ...(failed && { err: new Error(res.writableFinished ? `failed with status code ${status}` : 'closed before the response was sent') }),
    },
    failed ? 'request errored' : 'request completed',
  );
}
