/**
 * npm run screenshots: starts the whole stack (embedded PostgreSQL, Temporal
 * dev server, worker, API) in a throw-away folder, seeds four months of a
 * realistic account, closes three months through the finance API, and writes
 * docs/screenshots/wallet.png, console-account.png and finance.png with
 * Debian's Chromium. The README shows them.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createApiKey } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { startWorker } from '../workers/start.js';
import { startApi } from '../src/runtime/api.js';
import { openAreas } from '../src/runtime/areas.js';
import { openCore } from '../src/runtime/core.js';
import { startInfrastructure } from '../src/runtime/infrastructure.js';
import { seedScreenshotData } from './screenshot-data.js';
import { freeLoopbackPort } from '../src/stack/free-port.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const log = (message: string) => console.error(`[screenshots] ${message}`);

async function main() {
  // Under .data like every embedded server's folder (PostgreSQL refuses a root-only temporary folder).
  const dataDir = resolve('.data', 'screenshots');
  await rm(dataDir, { recursive: true, force: true });
  const hostPort = await freeLoopbackPort();
  const cli = resolve('.tools/bin/temporal');
  const config = loadConfig({
    BURNDOWN_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    EMBEDDED_POSTGRES_PORT: String(await freeLoopbackPort()),
    TEMPORAL_DEV_PORT: String(await freeLoopbackPort()),
    TEMPORAL_UI_PORT: String(await freeLoopbackPort()),
    TEMPORAL_TASK_QUEUE: 'burndown-screenshots',
    FINANCE_EXPORT_DIR: join(dataDir, 'accounting'),
    UI_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}`,
    ...(existsSync(cli) && { TEMPORAL_CLI_PATH: cli }),
  });
  const logger = createLogger('warn', 'screenshots');
  log(`starting the stack in ${dataDir}`);
  const infra = await startInfrastructure(config, logger, true);
  const core = await openCore(config, logger, infra, 'burndown-screenshots');
  const areas = openAreas(core);
  const worker = await startWorker(core, areas);
  const api = await startApi(core, areas);
  const host = createHttpServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Acme: billing</title><script type="module" src="${api.url}/embed/burndown.js"></script>
<style>body{margin:0;background:#eef1f5;font-family:system-ui,sans-serif}main{max-width:980px;margin:0 auto;padding:24px}
burndown-wallet{--burndown-color-accent:#5b3cc4}</style></head>
<body><main><h1 style="margin:0 0 16px">Acme · Billing</h1>
<burndown-wallet api-base="${api.url}" token="${token}"></burndown-wallet></main></body></html>`);
  });
  await new Promise<void>((r) => host.listen(hostPort, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const key = async (scope: 'admin' | 'service' | 'support' | 'approver' | 'finance', subject: string) =>
      (await createApiKey(core.db, { name: subject, subject, scopes: [scope] })).token;
    const keys = {
      admin: await key('admin', 'ops@example.com'),
      service: await key('service', 'acme-app'),
      support: await key('support', 'sam@example.com'),
      alice: await key('finance', 'alice@example.com'),
      bob: await key('finance', 'bob@example.com'),
    };
    log('seeding four months of usage and closing three of them');
    const { accountId } = await seedScreenshotData(areas.ledger.deps, api.url, keys, log);

    const shot = async (name: string, url: string, signIn: string | undefined, prepare: (page: Page) => Promise<void>) => {
      const context = await browser.newContext({
        locale: 'en-US',
        timezoneId: 'UTC',
        viewport: { width: 1200, height: 900 },
        deviceScaleFactor: 1,
      });
      const page = await context.newPage();
      await page.goto(url);
      if (signIn) {
        await page.locator('input[name="key"]').fill(signIn);
        await page.getByRole('button', { name: 'Sign in' }).click();
      }
      await prepare(page);
      await page.waitForTimeout(800); // charts draw after layout
      await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
      await context.close();
      log(`wrote docs/screenshots/${name}.png`);
    };
    const session = await fetch(`${api.url}/v1/accounts/${accountId}/session-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.service}`, 'content-type': 'application/json' },
      body: JSON.stringify({ autoRecharge: true }),
    });
    const { token } = (await session.json()) as { token: string };
    await shot('wallet', `http://127.0.0.1:${hostPort}/?token=${token}`, undefined, async (page) => {
      await page.locator('[part="amount"]').first().waitFor();
      await page.locator('burndown-history tr[data-entry-type]').first().waitFor();
      await page.locator('burndown-usage-chart canvas').first().waitFor();
    });
    await shot('console-account', `${api.url}/console/accounts/${accountId}`, keys.support, async (page) => {
      await page.locator('[part="amount"]').first().waitFor();
      await page.locator('[data-approval-id]').first().waitFor();
      await page.locator('burndown-history tr[data-entry-type]').first().waitFor();
    });
    await shot('finance', `${api.url}/console/finance`, keys.alice, async (page) => {
      await page.locator('tr[data-period] .status', { hasText: 'posted' }).first().waitFor();
      await page
        .locator('tr[data-period]')
        .first()
        .getByRole('button', { name: /^Journal/ })
        .click();
      await page.locator('bd-journal tr[data-account-code]').first().waitFor();
      await page.locator('section[aria-labelledby="revenue-title"] canvas').first().waitFor();
    });
  } finally {
    await browser.close();
    host.close();
    await api.close();
    await worker.drain().catch(() => undefined);
    await core.close();
    await infra.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
