import { Kysely, PostgresDialect, type LogEvent, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;
export type Tx = Transaction<DB>;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** int8 and numeric come back as bigint / string, never as a lossy JS number. */
const exactTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => BigInt(value);
    if (oid === NUMERIC_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export interface DatabaseOptions {
  connectionString: string;
  poolSize: number;
  applicationName: string;
  /** Told of every statement after it ran, with its duration (process telemetry: lock waits, spans). */
  onQuery?: (event: LogEvent) => void;
}

export function createPool(options: DatabaseOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    application_name: options.applicationName,
    types: exactTypes,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // A connection the server drops (restart, pg_terminate_backend) emits
  // 'error' on its client. Idle clients report to the pool; a checked-out client
  // between two queries has no listener of its own, and an unheard 'error'
  // would crash the process. Listen on every client: the failure then reaches
  // the caller as the next query's rejection, and the pool discards the client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

export function createDatabase(options: DatabaseOptions, pool: pg.Pool = createPool(options)): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...(options.onQuery && { log: options.onQuery }) });
}
