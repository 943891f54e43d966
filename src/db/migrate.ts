import { Migrator, type MigrationResultSet, type Kysely } from 'kysely';
import { migrations } from '../../migrations/index.js';

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
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
