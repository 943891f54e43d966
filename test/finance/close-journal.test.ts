import { describe, expect, it } from 'vitest';
import { computeClose, freezePeriod, readJournal, recordCloseStarted, storeClose } from '../../src/finance/close.js';
import { isBalanced, journalBalances } from '../../src/finance/journal.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { day, januaryScenario, lateAfterFreeze } from './helpers.js';

const files = { accountsFile: 'accounting/accounts.yaml', fxRatesFile: 'accounting/fx-rates.yaml' };

describe('month-end close: revenue recognition and journal (R-I3)', () => {
  const fx = useLedgerFixture();

  it('recognizes January to the cent: deferred + recognized + breakage (+ voided) = sold, journal balanced, late events placed', async () => {
    const { a, b } = await januaryScenario(fx.deps, fx.clock);
    const db = fx.database.db;
    await recordCloseStarted(db, {
      period: '2026-01',
      workflowId: 'close-2026-01',
      startedBy: 'alice',
      startedAt: day('2026-02-01'),
      lateEventsUntil: day('2026-02-08'),
    });
    const frozenAt = await freezePeriod(db, '2026-01', day('2026-02-08'), 'alice');
    // A second freeze keeps the first instant.
    expect(await freezePeriod(db, '2026-01', day('2026-02-10'), 'bob')).toEqual(frozenAt);
    await lateAfterFreeze(fx.deps, fx.clock, a);

    const computed = await computeClose(db, files, '2026-01');
    const usd = computed.report.currencies.find((c) => c.currency === 'USD')!;
    const eur = computed.report.currencies.find((c) => c.currency === 'EUR')!;
    // Worked by hand (cumulative half-even rounding per grant, see src/finance/cost-basis.ts):
    //   G2 ($7.01 / 70): burn 10 → 1.00, refund 5 → −0.50, commit 25.50 → 2.55, expiry 39.50 → 3.96 (sums to 7.01)
    //   G1 ($10.00 / 300): burn 100.01 → 3.33, Feb burn 10 → 0.34 (February), late Jan event 33.33 → 1.11
    expect(usd).toMatchObject({ openingDeferred: 0n, sold: 1701n, recognized: 749n, breakage: 396n, voided: 0n, closingDeferred: 556n });
    expect(usd.closingDeferred + usd.recognized + usd.breakage + usd.voided).toBe(usd.sold);
    // G3 (€99.99 / 123.45): burn 12.34 → 9.99 (999.495 rounds down), void of the rest → 90.00
    expect(eur).toMatchObject({ sold: 9999n, recognized: 999n, breakage: 0n, voided: 9000n, closingDeferred: 0n });

    // Promotional and support credits carry no cost basis and are reported apart, in credits.
    expect(computed.report.zeroBasis).toEqual([
      { source: 'promo', creditType: 'ai', granted: 8000n, consumed: 8000n, expired: 0n, voided: 0n },
      { source: 'support', creditType: 'ai', granted: 2000n, expired: 2000n, consumed: 0n, voided: 0n },
    ]);

    const lines = computed.lines;
    expect(isBalanced(lines)).toBe(true);
    const byId = Object.fromEntries(lines.map((l) => [l.lineId, l]));
    expect(byId['sale:USD:-:-:dr']).toMatchObject({ accountCode: '1210', debit: 1701n, credit: 0n, rate: '1' });
    expect(byId['sale:USD:-:-:cr']).toMatchObject({ accountCode: '2400', credit: 1701n });
    expect(byId['recognition:USD:ai:chat:cr']).toMatchObject({ accountCode: '4000', credit: 211n });
    expect(byId['recognition:USD:ai:render:cr']).toMatchObject({ credit: 255n });
    expect(byId['recognition:USD:ai:search:cr']).toMatchObject({ credit: 333n });
    // The credit refund (no feature) nets negative: its sides are reversed.
    expect(byId['recognition:USD:ai:-:dr']).toMatchObject({ accountCode: '4000', debit: 50n });
    expect(byId['recognition:USD:ai:-:cr']).toMatchObject({ accountCode: '2400', credit: 50n });
    expect(byId['breakage:USD:ai:-:cr']).toMatchObject({ accountCode: '4100', credit: 396n });
    // EUR converted at the file's January rate 1.0842, recorded on the line.
    expect(byId['sale:EUR:-:-:dr']).toMatchObject({ debit: 9999n, rate: '1.0842', reportingCurrency: 'USD', reportingDebit: 10841n });
    expect(byId['reversal:EUR:ai:-:cr']).toMatchObject({ accountCode: '4900', credit: 9000n, reportingCredit: 9758n });
    expect(journalBalances(lines).map((b) => [b.currency, b.debits === b.credits])).toEqual([
      ['EUR', true],
      ['USD', true],
      ['USD (reporting)', true],
    ]);

    // Usage by customer, feature and credit type; the late event counts in January, the one after the freeze does not.
    const usage = computed.report.usage.filter((u) => u.customerId === a && u.feature === 'chat' && u.currency === 'USD');
    expect(usage).toEqual([{ customerId: a, feature: 'chat', creditType: 'ai', currency: 'USD', credits: 1000n + 3333n, revenue: 211n }]);
    expect(computed.report.usage.find((u) => u.customerId === b)).toMatchObject({ currency: 'EUR', credits: 1234n, revenue: 999n });
    expect(computed.report.usage.reduce((s, u) => (u.currency === 'USD' ? s + u.revenue : s), 0n)).toBe(usd.recognized);

    // Stored, and a recomputation of the same freeze gives the same lines.
    await storeClose(db, computed, day('2026-02-08'));
    const again = await computeClose(db, files, '2026-01');
    await storeClose(db, again, day('2026-02-09'));
    expect((await readJournal(db, '2026-01')).map((l) => [l.lineId, l.debit, l.credit])).toEqual(
      lines.map((l) => [l.lineId, l.debit, l.credit]),
    );

    // February opens with January's deferred revenue and takes the two February burns.
    await freezePeriod(db, '2026-02', day('2026-03-08'), 'alice');
    const february = await computeClose(db, files, '2026-02');
    const febUsd = february.report.currencies.find((c) => c.currency === 'USD')!;
    // Feb burn 10 → 0.34; late Jan event after the freeze, 3 credits: O 14334 → 14634, round(487.8) − 478 = 10
    expect(febUsd).toMatchObject({ openingDeferred: 556n, sold: 0n, recognized: 44n, closingDeferred: 512n });
  });
});
