import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sumByCurrency } from '../journal.js';
import type { AccountingAdapter, AccountingTotals } from './adapter.js';
import { quickBooksCsv, xeroCsv } from './csv.js';
import { journalJson } from './json.js';

/** Writes then renames, so a reader never sees half a file. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, path);
}

/**
 * The built-in adapter: the period's journal as a QuickBooks CSV, a Xero CSV
 * and JSON in a folder. The files are a pure function of the lines, so
 * writing them again is the same posting; lines already recorded are not
 * reported again. It reads its own JSON back for reconciliation.
 */
export function fileAdapter(directory: string): AccountingAdapter {
  const path = (period: string, ext: string) => join(directory, `journal-${period}.${ext}`);
  return {
    name: 'file',
    async post(period, lines, alreadyPosted, accepted) {
      await mkdir(directory, { recursive: true });
      await writeAtomically(path(period, 'quickbooks.csv'), quickBooksCsv(period, lines));
      await writeAtomically(path(period, 'xero.csv'), xeroCsv(period, lines));
      await writeAtomically(path(period, 'json'), `${JSON.stringify(journalJson(period, lines), null, 2)}\n`);
      for (const line of lines) {
        if (!alreadyPosted.has(line.lineId)) await accepted({ lineId: line.lineId, externalRef: `journal-${period}.json#${line.lineId}` });
      }
    },
    async readTotals(period): Promise<AccountingTotals[] | null> {
      let text: string;
      try {
        text = await readFile(path(period, 'json'), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      const parsed = JSON.parse(text) as { lines: { currency: string; debitMinor: string; creditMinor: string }[] };
      return sumByCurrency(parsed.lines.map((l) => ({ currency: l.currency, debit: BigInt(l.debitMinor), credit: BigInt(l.creditMinor) })));
    },
  };
}
