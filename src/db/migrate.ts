import { Migrator, type MigrationResultSet, type Kysely } from 'kysely';
import { migrations } from '../../migrations/index.js';

/**
 * Migrations are written on parallel branches, so one may land with a name
 * that sorts before a migration a database has already run. Kysely's default
 * refuses that ("corrupted migrations"); here pending migrations still run in
 * name order, and each migration may depend only on migrations that landed
 * before it.
 */
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    allowUnorderedMigrations: true,
  });
}

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const resultSet = await createMigrator(db).migrateToLatest();
  const failed = resultSet.results?.find((r) => r.status === 'Error');
  if (resultSet.error) {
    const cause = resultSet.error instanceof Error ? resultSet.error.message : JSON.stringify(resultSet.error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, {
      cause: resultSet.error,
    });
  }
  return resultSet;
}
