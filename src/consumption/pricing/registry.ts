import type { Database } from '../../db/database.js';
import { PricingLoadError, type PricingCatalog } from './catalog.js';

const registered = new WeakMap<Database, WeakMap<PricingCatalog, Promise<void>>>();

/**
 * Records every version of the catalog in pricing_versions the first time it
 * is used against a database, and refuses a version whose rules changed since
 * (R-C7: versions are immutable; a changed rule is a new version). Burns and
 * ratings name the version; this is what makes that name mean one set of rules.
 */
export function ensurePricingRegistered(db: Database, catalog: PricingCatalog): Promise<void> {
  let byCatalog = registered.get(db);
  if (!byCatalog) registered.set(db, (byCatalog = new WeakMap()));
  let done = byCatalog.get(catalog);
  if (!done) {
    done = register(db, catalog);
    done.catch(() => byCatalog.delete(catalog));
    byCatalog.set(catalog, done);
  }
  return done;
}

async function register(db: Database, catalog: PricingCatalog): Promise<void> {
  await db
    .insertInto('pricing_versions')
    .values(
      catalog.versions.map((v) => ({
        version: v.version,
        content_hash: v.contentHash,
        file: v.file,
        effective_from: v.effectiveFromDate,
        rules: JSON.stringify({ features: v.features, cohorts: v.cohorts }),
      })),
    )
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
  const stored = await db
    .selectFrom('pricing_versions')
    .select(['version', 'content_hash', 'file'])
    .where(
      'version',
      'in',
      catalog.versions.map((v) => v.version),
    )
    .execute();
  const problems = stored.flatMap((row) => {
    const loaded = catalog.versions.find((v) => v.version === row.version)!;
    return loaded.contentHash === row.content_hash
      ? []
      : [
          `${loaded.file}: version: rules of version ${row.version} differ from the ones already used (first registered from ${row.file}); versions are immutable, add a new version instead`,
        ];
  });
  if (problems.length > 0) throw new PricingLoadError(problems);
}
