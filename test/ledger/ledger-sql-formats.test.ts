import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AmountFormatError, currencyExponent, formatAmount, formatMoney, parseAmount } from '../../src/money/amount.js';
import { useLedgerFixture } from '../helpers/ledger.js';

/**
 * The ledger's SQL renders amounts, money and instants into results that
 * callers compare with what TypeScript renders: the two must agree exactly.
 * Seeded: FC_SEED=<seed> replays a failure.
 */
const f = useLedgerFixture();
const seed = process.env.FC_SEED === undefined ? 20_261_129 : Number(process.env.FC_SEED);
const int8 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const precision = fc.integer({ min: 0, max: 9 });

describe('SQL formats agree with src/money/amount.ts', () => {
  it('ledger_units_text is formatAmount', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(int8, precision), { minLength: 1, maxLength: 50 }), async (cases) => {
        const { rows } = await sql<{ text: string }>`
          select ledger_units_text(u::int8, p::int) as text
          from unnest(${cases.map(([u]) => u.toString())}::text[], ${cases.map(([, p]) => p)}::int[]) with ordinality as c(u, p, n)
          order by n`.execute(f.deps.db);
        expect(rows.map((r) => r.text)).toEqual(cases.map(([u, p]) => formatAmount(u, p)));
      }),
      { seed, numRuns: 40 },
    );
  });

  it('ledger_parse_units accepts what parseAmount accepts, with the same value, and refuses the rest', async () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.stringMatching(/^[0-9]{0,12}$/)))
      .map(([neg, whole, fraction]) => `${neg ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`);
    const anyText = fc.oneof(decimal, fc.string({ maxLength: 8 }), fc.constantFrom('1e3', ' 1', '+1', '1.', '.5', '٣', '1,5'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(anyText, precision), { minLength: 1, maxLength: 50 }), async (cases) => {
        const { rows } = await sql<{ units: bigint | null }>`
          select ledger_parse_units(t, p::int) as units
          from unnest(${cases.map(([t]) => t.replaceAll('\u0000', ''))}::text[], ${cases.map(([, p]) => p)}::int[]) with ordinality as c(t, p, n)
          order by n`.execute(f.deps.db);
        const expected = cases.map(([t, p]) => {
          try {
            return parseAmount(t.replaceAll('\u0000', ''), p);
          } catch (error) {
            if (error instanceof AmountFormatError) return null;
            throw error;
          }
        });
        expect(rows.map((r) => r.units)).toEqual(expected);
      }),
      { seed, numRuns: 60 },
    );
  });

  it('ledger_money_text is formatMoney for every currency this platform knows', async () => {
    const currencies = [...Intl.supportedValuesOf('currency'), 'XYZ'];
    const amounts = [0n, 1n, -7n, 12_345n, 99_999_999_999n];
    const { rows } = await sql<{ text: string }>`
      select ledger_money_text(a::int8, c) as text
      from unnest(${currencies}::text[]) with ordinality as x(c, i), unnest(${amounts.map(String)}::text[]) with ordinality as y(a, j)
      order by i, j`.execute(f.deps.db);
    expect(rows.map((r) => r.text)).toEqual(currencies.flatMap((c) => amounts.map((a) => formatMoney(a, c).amount)));
    // Not every currency has two decimals: the table is really in use.
    expect(currencies.filter((c) => currencyExponent(c) !== 2).length).toBeGreaterThan(10);
  });

  it('ledger_iso is Date.prototype.toISOString', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 50 }), async (ms) => {
        const dates = ms.map((m) => new Date(m));
        const { rows } = await sql<{ iso: string }>`
          select ledger_iso(t) as iso from unnest(${dates.map((d) => d.toISOString())}::timestamptz[]) with ordinality as x(t, n)
          order by n`.execute(f.deps.db);
        expect(rows.map((r) => r.iso)).toEqual(dates.map((d) => d.toISOString()));
      }),
      { seed, numRuns: 40 },
    );
  });
});
