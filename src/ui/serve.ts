import cors from 'cors';
import type { Express, Response } from 'express';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { ensureUiBuilt, type UiBuild } from './build.js';

/** Headers sent by the API to browsers that call it from an embedding page (docs/UI.md). */
const allowedHeaders = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'X-Request-Id'];
// Content-Disposition: the wallet saves a statement under the name the API gives it.
const exposedHeaders = ['ETag', 'Location', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'Content-Disposition'];

/** The console is same-origin only: its own scripts, no inline script, no framing. */
const consoleCsp = [
  "default-src 'self'",
  "script-src 'self'",
  // uPlot and Lit set style attributes; no style can run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The web UI on the API's own server (issue 15):
 *   - CORS: pages on UI_ALLOWED_ORIGINS may call the API (bearer tokens, no
 *     cookies); every other origin gets no CORS headers, so browsers refuse.
 *   - /embed/burndown.js: the wallet's one ES module, loadable from any page.
 *   - /console, /console/finance (and every /console/… path): the console.
 * The bundles are built at start when dist/ui has no build of the current
 * sources (src/ui/build.ts); a request that comes first waits for the build.
 */
export function mountWebUi(app: Express, deps: { config: Config; logger: Logger }): void {
  app.use('/embed', cors({ origin: '*', methods: ['GET', 'HEAD'] }));
  app.use(
    cors({
      origin: deps.config.UI_ALLOWED_ORIGINS.length > 0 ? [...deps.config.UI_ALLOWED_ORIGINS] : false,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders,
      exposedHeaders,
      maxAge: 600,
    }),
  );

  let building: Promise<UiBuild> | undefined;
  const ready = () =>
    (building ??= ensureUiBuilt().catch((error: unknown) => {
      building = undefined;
      throw error;
    }));
  ready().then(
    (b) => b.built && deps.logger.info({ dir: b.dir, embedGzipBytes: b.embedGzipBytes }, 'web UI built'),
    (error: unknown) => deps.logger.error({ err: error }, 'web UI build failed; /embed and /console answer 503 until it succeeds'),
  );
  const withBuild = (serve: (build: UiBuild, res: Response) => Promise<void>) => async (_req: unknown, res: Response) => {
    let build: UiBuild;
    try {
      build = await ready();
    } catch {
      res.status(503).type('text/plain').send('The web UI could not be built; see the server log.');
      return;
    }
    await serve(build, res);
  };

  app.get(
    '/embed/burndown.js',
    withBuild(async (build, res) => {
      res.set({
        'Cache-Control': 'public, max-age=300',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'X-Content-Type-Options': 'nosniff',
      });
      await sendFile(res, join(build.dir, 'embed/burndown.js'), 'text/javascript; charset=utf-8');
    }),
  );
  app.get(
    '/console/console.js',
    withBuild(async (build, res) => {
      res.set({ 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' });
      await sendFile(res, join(build.dir, 'console/console.js'), 'text/javascript; charset=utf-8');
    }),
  );
  app.get(
    ['/console', '/console/{*rest}'],
    withBuild(async (build, res) => {
      const html = (await readFile(join(build.dir, 'console/index.html'), 'utf8')).replaceAll('__BUILD__', build.hash);
      res
        .set({
          'Content-Security-Policy': consoleCsp,
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        })
        .type('html')
        .send(html);
    }),
  );
}

function sendFile(res: Response, path: string, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(path, { headers: { 'Content-Type': type } }, (error) => (error && !res.headersSent ? reject(error) : resolve()));
  });
}
