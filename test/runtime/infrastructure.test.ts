import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { startInfrastructure } from '../../src/runtime/infrastructure.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';

const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

it('stops the embedded Temporal server when embedded PostgreSQL fails to start (nothing is orphaned)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'burndown-infra-'));
  // PostgreSQL's cluster folder is a file: it fails at once, while Temporal is still starting.
  await writeFile(join(dataDir, 'postgres'), 'not a folder');
  const temporalPort = await freeLoopbackPort();
  const config = loadConfig({
    BURNDOWN_ENV: 'development',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    EMBEDDED_POSTGRES_PORT: String(await freeLoopbackPort()),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(await freeLoopbackPort()),
    TEMPORAL_CLI_PATH: resolve('.tools/bin/temporal'),
  });
  try {
    await expect(startInfrastructure(config, createLogger('silent', 'test'), true)).rejects.toThrow();
    // An orphaned server would be listening by now (it starts in a few seconds); a stopped one never is.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await listening(temporalPort)).toBe(false);
  } finally {
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  }
}, 60_000);
