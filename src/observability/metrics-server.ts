import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { registry } from './metrics.js';

export interface MetricsEndpoint {
  /** Base URL of the listener, e.g. http://127.0.0.1:9464 (GET /metrics). */
  url: string;
  close(): Promise<void>;
}

/** More Prometheus text to append to a scrape (the Temporal SDK's own exporter, read by the worker). */
export type ExtraMetrics = () => Promise<string>;

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Answers GET /metrics in the Prometheus text format. With a token, a scrape
 * without `Authorization: Bearer <token>` is a 401 (Prometheus sends it with
 * `authorization: { credentials: … }` in its scrape config).
 */
export function metricsHandler(token: string | undefined, extra?: ExtraMetrics) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('metrics need a bearer token\n');
      return;
    }
    try {
      const [own, more] = await Promise.all([registry.metrics(), extra ? extra().catch(() => '') : Promise.resolve('')]);
      res.writeHead(200, { 'content-type': registry.contentType }).end(more ? `${own}\n${more}` : own);
    } catch (error) {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`metrics collection failed: ${error instanceof Error ? error.message : 'error'}\n`);
    }
  };
}

/**
 * A listener of its own for /metrics (host:port; port 0 picks a free one), apart from the public API port.
 * It also answers GET /healthz without a token (200, or 503 when `healthy` says no): the worker has no
 * other HTTP port for Kubernetes probes.
 */
export async function startMetricsServer(
  listen: string,
  token: string | undefined,
  extra?: ExtraMetrics,
  healthy: () => boolean = () => true,
): Promise<MetricsEndpoint> {
  const separator = listen.lastIndexOf(':');
  const host = listen.slice(0, separator);
  const port = Number(listen.slice(separator + 1));
  const handle = metricsHandler(token, extra);
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) void handle(req, res);
    else if (req.method === 'GET' && req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads another exporter's /metrics (the Temporal SDK's, on loopback); empty when it does not answer within a second. */
export function scrapeOf(url: string): ExtraMetrics {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return response.ok ? await response.text() : '';
  };
}
