import { createHash } from 'node:crypto';
import type { Database } from '../../db/database.js';
import { ValidationError, type FieldError } from '../../errors.js';
import type { PricingCatalog, PricingVersion } from '../pricing/catalog.js';
import { pricingFileSchema, type PricingFile } from '../pricing/schema.js';

/** What a simulation prices with: a version of the catalog by id, or rules sent inline (a pricing file's features and cohorts). */
export type CandidateInput = string | { features: Record<string, unknown>; cohorts?: Record<string, unknown> | undefined };

/** The version name inline rules are rated (and their ratings named) under. */
export const INLINE_VERSION = 'inline';

/** A stored candidate (a pricing file's content) as a version rating can resolve. */
export function candidateVersion(file: PricingFile): PricingVersion {
  return {
    ...file,
    file: `(candidate ${file.version})`,
    contentHash: createHash('sha256').update(JSON.stringify(file)).digest('hex'),
    effectiveFromDate: new Date(file.effectiveFrom),
  };
}

/**
 * The candidate as a pricing file, validated: a version must exist in the
 * catalog; inline rules must be a valid pricing file's features and cohorts
 * whose credit types exist. Every problem is a field error under `candidate`.
 */
export async function resolveCandidate(db: Database, catalog: PricingCatalog, candidate: CandidateInput, from: Date): Promise<PricingFile> {
  if (typeof candidate === 'string') {
    const version = catalog.versions.find((v) => v.version === candidate);
    if (!version) {
      throw new ValidationError('Unknown pricing version', [
        { path: 'candidate', message: `no pricing version ${candidate}`, code: 'unknown_pricing_version' },
      ]);
    }
    return { version: version.version, effectiveFrom: version.effectiveFrom, features: version.features, cohorts: version.cohorts };
  }
  const parsed = pricingFileSchema.safeParse({ ...candidate, version: INLINE_VERSION, effectiveFrom: from.toISOString() });
  if (!parsed.success) {
    throw new ValidationError(
      'Invalid candidate rules',
      parsed.error.issues.map((issue) => ({ path: ['candidate', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  const rules = [
    ...Object.entries(parsed.data.features).map(([f, r]) => [`candidate.features.${f}.creditType`, r.creditType] as const),
    ...Object.entries(parsed.data.cohorts).flatMap(([c, rs]) =>
      Object.entries(rs).map(([f, r]) => [`candidate.cohorts.${c}.${f}.creditType`, r.creditType] as const),
    ),
  ];
  if (rules.length === 0) return parsed.data;
  const known = new Set(
    (
      await db
        .selectFrom('credit_types')
        .select('id')
        .where(
          'id',
          'in',
          rules.map(([, id]) => id),
        )
        .execute()
    ).map((c) => c.id),
  );
  const unknown: FieldError[] = rules
    .filter(([, id]) => !known.has(id))
    .map(([path, id]) => ({ path, message: `no credit type ${id}`, code: 'unknown_credit_type' }));
  if (unknown.length > 0) throw new ValidationError('Unknown credit type', unknown);
  return parsed.data;
}
