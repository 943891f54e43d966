import type { z } from 'zod';
import type { PricingCatalog } from '../consumption/pricing/catalog.js';
import type { Database } from '../db/database.js';
import type { CreditType, Mode } from '../db/schema.js';
import type { ImportRowKind } from '../db/schema-imports.js';
import { DomainError, ValidationError } from '../errors.js';
import { listCreditTypes, MAX_POOL_DEPTH, poolChain, toUnits } from '../ledger/index.js';
import { AmountFormatError, parseMoney } from '../money/amount.js';
import { importRow, type ImportRowInput, type RawLine } from './file-format.js';

/** One problem of one row: the line it is on, the field (empty for the whole line), a code and what is wrong. */
export interface ImportProblem {
  line: number;
  field: string;
  code: string;
  message: string;
}

/** The file has bad rows: nothing was written; `report` lists every problem of every bad row, in line order. */
export class ImportInvalidError extends DomainError {
  readonly code = 'import_invalid';
  constructor(
    readonly totalRows: number,
    readonly badRows: number,
    readonly report: readonly ImportProblem[],
  ) {
    super(
      `${badRows} of ${totalRows} rows are invalid; nothing was imported. Fix the rows listed in report and send the whole file again.`,
    );
  }
}

/** A valid row as stored: its processing phase (accounts, then pricing pins, then grants), its key and its fields. */
export interface ValidRow {
  line: number;
  phase: number;
  kind: ImportRowKind;
  rowKey: string;
  row: ImportRowInput;
}

const PHASE: Record<ImportRowKind, number> = { account: 0, pricing_pin: 1, grant: 2 };
const keyOf = (row: ImportRowInput): string =>
  row.type === 'account' ? `account:${row.id}` : row.type === 'grant' ? `grant:${row.key}` : `pricing_pin:${row.accountId}`;

export interface ValidationDeps {
  db: Database;
  now: Date;
  catalog: PricingCatalog;
  mode: Mode;
}

async function existingAccounts(db: Database, ids: string[]): Promise<Map<string, Mode>> {
  const found = new Map<string, Mode>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'mode'])
      .where('id', 'in', ids.slice(i, i + 5000))
      .execute();
    for (const r of rows) found.set(r.id, r.mode);
  }
  return found;
}

const zodProblems = (line: number, error: z.ZodError): ImportProblem[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ line, field: key, code: 'unknown_field', message: `unknown field "${key}"` }))
      : [{ line, field: issue.path.map(String).join('.'), code: issue.code, message: issue.message }],
  );

/**
 * Validates the whole file before anything is written: each row against its
 * schema, then against the others and the database (duplicate keys, accounts
 * that exist neither in the file nor in this mode, credit types, amounts in
 * the credit type's precision, dates, pricing versions, pool parents defined
 * before their children). Throws ImportInvalidError with every problem found.
 */
export async function validateImport(deps: ValidationDeps, lines: readonly RawLine[]): Promise<ValidRow[]> {
  const problems: ImportProblem[] = [];
  const parsed: { line: number; row: ImportRowInput }[] = [];
  for (const raw of lines) {
    if ('error' in raw) {
      problems.push({ line: raw.line, field: '', code: 'unreadable', message: raw.error });
      continue;
    }
    const result = importRow.safeParse(raw.value);
    if (result.success) parsed.push({ line: raw.line, row: result.data });
    else problems.push(...zodProblems(raw.line, result.error));
  }

  const referenced = new Set<string>();
  for (const { row } of parsed) {
    if (row.type === 'account') {
      referenced.add(row.id);
      if (row.parentId) referenced.add(row.parentId);
    } else referenced.add(row.accountId);
  }
  const existing = await existingAccounts(deps.db, [...referenced]);
  const creditTypes = new Map<string, CreditType>((await listCreditTypes(deps.db)).map((c) => [c.id, c]));
  const versions = new Set(deps.catalog.versions.map((v) => v.version));
  const inFile = new Map<string, { line: number; depth: number }>();
  const keys = new Map<string, number>();
  const problem = (line: number, field: string, code: string, message: string) => problems.push({ line, field, code, message });
  const known = (id: string) => inFile.has(id) || existing.get(id) === deps.mode;
  // Accounts first, so a grant or pin may come before its account in the file.
  for (const { line, row } of parsed) if (row.type === 'account') inFile.set(row.id, { line, depth: 0 });

  const valid: ValidRow[] = [];
  for (const { line, row } of parsed) {
    const before = problems.length;
    const rowKey = keyOf(row);
    const first = keys.get(rowKey);
    if (first !== undefined)
      problem(
        line,
        row.type === 'grant' ? 'key' : row.type === 'account' ? 'id' : 'accountId',
        'duplicate',
        `${rowKey} is also on line ${first}`,
      );
    else keys.set(rowKey, line);

    if (row.type === 'account') {
      const other = existing.get(row.id);
      if (other !== undefined && other !== deps.mode) problem(line, 'id', 'id_taken', `account id ${row.id} is taken`);
      await checkParent(deps, row, line, inFile, existing, problem);
    } else if (!known(row.accountId)) {
      problem(line, 'accountId', 'unknown_account', `account ${row.accountId} is neither in the file nor an existing account`);
    }
    if (row.type === 'grant') checkGrant(deps.now, row, line, creditTypes, problem);
    if (row.type === 'pricing_pin' && !versions.has(row.pricingVersion)) {
      problem(
        line,
        'pricingVersion',
        'unknown_pricing_version',
        `no pricing version ${row.pricingVersion}; known: ${[...versions].join(', ')}`,
      );
    }
    if (problems.length === before) valid.push({ line, phase: PHASE[row.type], kind: row.type, rowKey, row });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    throw new ImportInvalidError(lines.length, new Set(problems.map((p) => p.line)).size, problems);
  }
  return valid;
}

type Problem = (line: number, field: string, code: string, message: string) => void;

async function checkParent(
  deps: ValidationDeps,
  row: Extract<ImportRowInput, { type: 'account' }>,
  line: number,
  inFile: Map<string, { line: number; depth: number }>,
  existing: Map<string, Mode>,
  problem: Problem,
): Promise<void> {
  const self = inFile.get(row.id)!;
  if (!row.parentId) {
    self.depth = Math.max(self.depth, 1);
    return;
  }
  const parent = inFile.get(row.parentId);
  let parentDepth: number;
  if (parent && parent.line < line) parentDepth = parent.depth;
  else if (!parent && existing.get(row.parentId) === deps.mode) parentDepth = (await poolChain(deps.db, row.parentId)).length;
  else
    return problem(
      line,
      'parentId',
      'unknown_parent',
      `parent ${row.parentId} must be an account earlier in the file or an existing account`,
    );
  self.depth = parentDepth + 1;
  if (self.depth > MAX_POOL_DEPTH) problem(line, 'parentId', 'pool_too_deep', `pools nest at most ${MAX_POOL_DEPTH} levels`);
}

function checkGrant(
  now: Date,
  row: Extract<ImportRowInput, { type: 'grant' }>,
  line: number,
  creditTypes: Map<string, CreditType>,
  problem: Problem,
) {
  const creditType = creditTypes.get(row.creditType);
  if (!creditType) problem(line, 'creditType', 'unknown_credit_type', `credit type ${row.creditType} does not exist`);
  else {
    const units = (field: 'remaining' | 'originalAmount', text: string) => {
      try {
        return toUnits(creditType, text, field);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        for (const e of error.fieldErrors) problem(line, field, e.code ?? 'invalid', e.message);
        return undefined;
      }
    };
    const remaining = units('remaining', row.remaining);
    const original = row.originalAmount === undefined ? undefined : units('originalAmount', row.originalAmount);
    if (remaining !== undefined && original !== undefined && original < remaining) {
      problem(line, 'originalAmount', 'less_than_remaining', `${row.originalAmount} is less than remaining ${row.remaining}`);
    }
  }
  if (row.grantedAt > now) problem(line, 'grantedAt', 'in_future', 'must not be in the future');
  if (row.expiresAt !== undefined && row.expiresAt <= now)
    problem(line, 'expiresAt', 'expired', 'has passed: an expired grant has nothing left to migrate');
  if (row.costBasis) {
    try {
      parseMoney(row.costBasis.amount, row.costBasis.currency);
    } catch (error) {
      if (!(error instanceof AmountFormatError)) throw error;
      problem(line, 'costBasis.amount', error.code, error.message);
    }
  }
}
