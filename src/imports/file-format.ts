import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { issuableGrantSources } from '../db/schema.js';

/**
 * The import file (docs/IMPORTS.md): one row per line, JSONL (a JSON object
 * per line) or CSV (a header line, then one row per line; RFC 4180 quoting,
 * parsed by csv-parse). Every row has a `type`: an account, a grant (an
 * opening balance: what remains of a grant of the old system) or a pricing
 * pin. Rows are strict: an unknown field is a bad row.
 */
export const importFormats = ['jsonl', 'csv'] as const;
export type ImportFormat = (typeof importFormats)[number];
export const importContentTypes: Record<ImportFormat, string> = { jsonl: 'application/x-ndjson', csv: 'text/csv' };

// The API's rules for ids, credit types, amounts and times, restated here: area code does not import the API layer.
const idString = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits and _ . : - only, at most 128 characters');
const creditTypeId = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ and -, starting with a letter');
const decimalString = z
  .string({ error: 'must be a decimal string such as "10.50" (numbers are not accepted for amounts)' })
  .regex(/^\d{1,19}(\.\d+)?$/, 'must be a non-negative decimal string such as "10.50"');
const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time with offset, e.g. 2026-01-31T00:00:00Z' })
  .transform((s) => new Date(s))
  .refine((d) => d.getTime() >= 0 && d.getTime() <= Date.UTC(9999, 11, 31, 23, 59, 59), 'must be between 1970 and 9999');
const metadata = z.record(z.string().max(64), z.string().max(500)).refine((m) => Object.keys(m).length <= 50, 'at most 50 keys');
const money = z.strictObject({ amount: decimalString, currency: z.string().regex(/^[A-Za-z]{3}$/, 'ISO 4217 code such as USD') });

export const accountRow = z.strictObject({
  type: z.literal('account'),
  id: idString,
  name: z.string().trim().min(1).max(200),
  parentId: idString.optional().meta({ description: 'A pool parent: an account earlier in the file, or one that exists.' }),
  cohort: z.string().min(1).max(64).optional(),
  metadata: metadata.optional(),
});

export const grantRow = z.strictObject({
  type: z.literal('grant'),
  key: idString.meta({ description: 'The grant’s id in the old system: the row key (importing it again books nothing twice).' }),
  accountId: idString,
  creditType: creditTypeId,
  remaining: decimalString.meta({ description: 'What is left of the grant: the opening balance.' }),
  originalAmount: decimalString.optional().meta({ description: 'What the old system granted; at least `remaining`.' }),
  grantedAt: isoTime.meta({ description: 'When the old system granted it: the grant’s effectiveAt.' }),
  expiresAt: isoTime.optional(),
  costBasis: money
    .optional()
    .meta({ description: 'What the remaining credits were paid for (deferred revenue), not the original grant’s.' }),
  originalSource: z
    .enum(issuableGrantSources)
    .optional()
    .meta({ description: 'Sets the burn priority as for that source (default purchase).' }),
  priority: z.number().int().min(0).max(1000).optional(),
  metadata: metadata.optional(),
});

export const pricingPinRow = z.strictObject({
  type: z.literal('pricing_pin'),
  accountId: idString,
  pricingVersion: z.string().min(1).max(64),
  cohort: z.string().min(1).max(64).optional(),
});

export const importRow = z.discriminatedUnion('type', [accountRow, grantRow, pricingPinRow]);
export type ImportRowInput = z.output<typeof importRow>;
export type GrantRowInput = z.output<typeof grantRow>;

/** One line of the file as read, before its row is validated; or why it could not be read. */
export type RawLine = { line: number; value: unknown } | { line: number; error: string };

/** CSV's flat columns; `costBasisAmount` and `costBasisCurrency` make `costBasis`. Metadata is JSONL only. */
export const csvColumns = [
  'type',
  'id',
  'name',
  'parentId',
  'cohort',
  'key',
  'accountId',
  'creditType',
  'remaining',
  'originalAmount',
  'grantedAt',
  'expiresAt',
  'costBasisAmount',
  'costBasisCurrency',
  'originalSource',
  'priority',
  'pricingVersion',
] as const;

function fromCsvRecord(record: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '') continue; // an empty cell is an absent field
    if (column === 'costBasisAmount' || column === 'costBasisCurrency') {
      const costBasis = (row.costBasis ??= {}) as Record<string, string>;
      costBasis[column === 'costBasisAmount' ? 'amount' : 'currency'] = cell;
    } else if (column === 'priority') row.priority = /^\d+$/.test(cell) ? Number(cell) : cell;
    else row[column] = cell;
  }
  return row;
}

/** The lines of a JSONL file: blank lines are skipped, a line that is not a JSON object is an unreadable line. */
export function readJsonLines(text: string): RawLine[] {
  const lines: RawLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (body.trim() === '') return;
    try {
      const value: unknown = JSON.parse(body);
      lines.push(
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? { line: i + 1, value }
          : { line: i + 1, error: 'not a JSON object' },
      );
    } catch (error) {
      lines.push({ line: i + 1, error: `not JSON: ${(error as Error).message}` });
    }
  });
  return lines;
}

/**
 * The rows of a CSV file, each with the line it starts on. The header must
 * name known columns only (in any order, any subset with `type`); a file
 * csv-parse cannot read (an unclosed quote, a row with more cells than the
 * header) is reported as one bad line.
 */
export function readCsv(text: string): RawLine[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv<Record<string, string>>(text, {
      bom: true,
      columns: (header: string[]) => {
        const unknown = header.filter((h) => !(csvColumns as readonly string[]).includes(h));
        if (unknown.length > 0)
          throw new CsvHeaderError(`unknown column(s): ${unknown.join(', ')}; the columns are ${csvColumns.join(', ')}`);
        if (!header.includes('type')) throw new CsvHeaderError('the header has no "type" column');
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvHeaderError) return [{ line: 1, error: error.message }];
    const line = (error as { lines?: number }).lines ?? 1;
    return [{ line, error: `not readable as CSV: ${(error as Error).message}` }];
  }
  // info.lines is the line the record ends on; a quoted cell may span lines, so count the record's own newlines back.
  return records.map(({ record, info }) => ({
    line: info.lines - Object.values(record).reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
    value: fromCsvRecord(record),
  }));
}

class CsvHeaderError extends Error {}
