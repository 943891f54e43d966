/**
 * A bulk import file as another billing system would export it (docs/IMPORTS.md):
 * accounts, a pricing pin for every tenth, and grants with their original
 * dates, remaining amounts, expiries and cost basis. Deterministic for a
 * prefix, so a test or the bench can compute what every balance must be.
 */
export interface ImportFile {
  rows: Record<string, unknown>[];
  /** What each account's `ai` balance must be after the import, in units (precision 2). */
  expected: Map<string, bigint>;
}

export function importFile(options: { prefix: string; accounts: number; grantsPerAccount: number; now: Date }): ImportFile {
  const rows: Record<string, unknown>[] = [];
  const expected = new Map<string, bigint>();
  const day = 86_400_000;
  for (let a = 0; a < options.accounts; a++) {
    const id = `${options.prefix}-acct-${a}`;
    rows.push({ type: 'account', id, name: `Customer ${a}`, metadata: { migratedFrom: 'legacy' } });
    if (a % 10 === 0) rows.push({ type: 'pricing_pin', accountId: id, pricingVersion: '2026-01' });
    let total = 0n;
    for (let g = 0; g < options.grantsPerAccount; g++) {
      const cents = BigInt(100 + ((a * 7 + g * 13) % 9_900));
      total += cents;
      rows.push({
        type: 'grant',
        key: `${options.prefix}-grant-${a}-${g}`,
        accountId: id,
        creditType: 'ai',
        remaining: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`,
        originalAmount: '100.00',
        grantedAt: new Date(options.now.getTime() - (30 + g) * day).toISOString(),
        ...(g % 2 === 0 && { expiresAt: new Date(options.now.getTime() + (180 + g) * day).toISOString() }),
        ...(g % 3 === 0 && { costBasis: { amount: '1.00', currency: 'USD' }, originalSource: 'purchase' }),
        ...(g % 3 === 1 && { originalSource: 'promo' }),
      });
    }
    expected.set(id, total);
  }
  return { rows, expected };
}

export const toJsonl = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
