import type { Kysely } from 'kysely';

/**
 * Scale-out (issue 16): an in-flight Idempotency-Key claim names the API
 * process that made it (its instance id), so a retry on another process can
 * take over the claim of a process that died as soon as that process's
 * session is gone from pg_stat_activity, instead of answering 409 until
 * IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS (src/api/idempotency.ts). Null for
 * claims of processes that do not say (older versions, tests): the timeout
 * alone applies to them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('owner', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('owner').execute();
}
