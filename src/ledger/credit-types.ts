import type { Database, Tx } from '../db/database.js';
import type { CreditType } from '../db/schema.js';
import { AmountFormatError, formatAmount, parseAmount } from '../money/amount.js';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors.js';

/** Credit types never change once created, so their precision can be cached. */
const cache = new WeakMap<Database, Map<string, CreditType>>();

export async function createCreditType(db: Database, input: { id: string; name: string; precision: number }): Promise<CreditType> {
  const row = await db
    .insertInto('credit_types')
    .values(input)
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const existing = await db.selectFrom('credit_types').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow();
    if (existing.name === input.name && existing.precision === input.precision) return existing;
    throw new AlreadyExistsError('credit type', input.id);
  }
  return row;
}

export async function listCreditTypes(db: Database): Promise<CreditType[]> {
  return db.selectFrom('credit_types').selectAll().orderBy('id').execute();
}

export async function getCreditType(db: Database | Tx, id: string): Promise<CreditType> {
  if (db.isTransaction) {
    const row = await db.selectFrom('credit_types').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('credit type', id);
    return row;
  }
  let byId = cache.get(db);
  if (!byId) {
    byId = new Map();
    cache.set(db, byId);
  }
  const cached = byId.get(id);
  if (cached) return cached;
  const row = await db.selectFrom('credit_types').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('credit type', id);
  byId.set(id, row);
  return row;
}

/** Parses a decimal amount for a credit type; a bad one is a field error on `field`. */
export function toUnits(creditType: CreditType, text: string, field: string, options: { allowZero?: boolean } = {}): bigint {
  return unitsAtPrecision(creditType.precision, text, field, options);
}

/** toUnits for a precision, when only the precision is at hand (a refusal from the ledger's SQL names it). */
export function unitsAtPrecision(
  precision: number,
  text: string,
  field: string,
  { allowZero = false }: { allowZero?: boolean } = {},
): bigint {
  let units: bigint;
  try {
    units = parseAmount(text, precision);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw new ValidationError(`Invalid ${field}`, [{ path: field, message: error.message, code: error.code }]);
    }
    throw error;
  }
  if (units < 0n || (!allowZero && units === 0n)) {
    throw new ValidationError(`Invalid ${field}`, [
      { path: field, message: `must be ${allowZero ? 'zero or more' : 'greater than zero'}, got "${text}"`, code: 'out_of_range' },
    ]);
  }
  return units;
}

export function fromUnits(creditType: CreditType, units: bigint): string {
  return formatAmount(units, creditType.precision);
}
