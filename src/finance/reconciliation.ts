import type { Database } from '../db/database.js';
import { checkLedgerInvariants, expectedClosing, periodIdentityMismatches } from '../ledger/index.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import type { AccountingAdapter } from './adapters/adapter.js';
import { readJournal } from './close.js';
import { sumByCurrency } from './journal.js';
import { parsePeriod } from './periods.js';

export interface Discrepancy {
  kind: 'ledger' | 'accounting' | 'statement';
  detail: string;
  [key: string]: unknown;
}

export interface ReconciliationResult {
  id: string;
  status: 'ok' | 'discrepancies';
  discrepancies: number;
}

/**
 * The nightly reconciliation (R-I3): the ledger's invariants (stored balances
 * and grant remainders against their entries, hash chains), and every posted
 * period's journal totals against what the accounting system says it holds,
 * where the adapter can read it. The report is stored; discrepancies also
 * become a `finance.reconciliation.discrepancies` outbox event in the same
 * transaction. The id comes from the run's instant, so a retried run stores once.
 */
export async function reconcile(db: Database, adapter: AccountingAdapter, at: Date): Promise<ReconciliationResult> {
  const id = `recon_${at.toISOString()}`;
  const discrepancies: Discrepancy[] = [];
  for (const v of await checkLedgerInvariants(db)) {
    discrepancies.push({ kind: 'ledger', ...v });
  }

  const posted = await db.selectFrom('finance_periods').select('period').where('status', '=', 'posted').orderBy('period').execute();
  const accounting: { period: string; readable: boolean }[] = [];
  for (const { period } of posted) {
    const theirs = await adapter.readTotals(period);
    accounting.push({ period, readable: theirs !== null });
    if (theirs === null) continue;
    const ours = sumByCurrency(await readJournal(db, period));
    const currencies = new Set([...ours.map((o) => o.currency), ...theirs.map((t) => t.currency)]);
    for (const currency of currencies) {
      const o = ours.find((x) => x.currency === currency) ?? { debits: 0n, credits: 0n };
      const t = theirs.find((x) => x.currency === currency) ?? { debits: 0n, credits: 0n };
      if (o.debits !== t.debits || o.credits !== t.credits) {
        discrepancies.push({
          kind: 'accounting',
          period,
          currency,
          detail: `ledger journal ${o.debits}/${o.credits} (debits/credits, minor units) ≠ ${adapter.name} ${t.debits}/${t.credits}`,
        });
      }
    }
  }

  return storeReconciliation(db, id, at, { ledgerInvariants: true, accounting, adapter: adapter.name }, discrepancies);
}

/**
 * Stores a reconciliation report (a retried run with the same id stores
 * once); discrepancies also become a `finance.reconciliation.discrepancies`
 * outbox event in the same transaction.
 */
async function storeReconciliation(
  db: Database,
  id: string,
  at: Date,
  checked: Record<string, unknown>,
  discrepancies: Discrepancy[],
): Promise<ReconciliationResult> {
  const status = discrepancies.length === 0 ? 'ok' : 'discrepancies';
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('finance_reconciliations')
      .values({ id, ran_at: at, status, checked: JSON.stringify(checked), discrepancies: JSON.stringify(discrepancies) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    if (discrepancies.length > 0) {
      await writeOutboxEvent(tx, {
        id: `finance.reconciliation.discrepancies:${id}`,
        accountId: null,
        type: 'finance.reconciliation.discrepancies',
        payload: { reconciliationId: id, count: discrepancies.length, discrepancies: discrepancies.slice(0, 50) },
        occurredAt: at,
      });
    }
  });
  return { id, status, discrepancies: discrepancies.length };
}

/**
 * Month-end close's statement check (R-A2): for every account and credit
 * type, opening + granted − burned − expired + refunded − voided = closing
 * over the period, from the entries (src/ledger/statement-movements.ts). A
 * chain where it fails is a `statement` discrepancy of the report
 * `recon_close_<period>`, stored once per period.
 */
export async function reconcilePeriodStatements(db: Database, periodId: string, at: Date): Promise<ReconciliationResult> {
  const period = parsePeriod(periodId);
  const mismatches = await periodIdentityMismatches(db, period.start, period.end);
  const discrepancies: Discrepancy[] = mismatches.map((m) => ({
    kind: 'statement',
    period: periodId,
    accountId: m.accountId,
    creditType: m.creditType,
    detail:
      `opening ${m.opening} + granted ${m.granted} − burned ${m.burned} − expired ${m.expired} + refunded ${m.refunded} − voided ${m.voided}` +
      ` = ${expectedClosing(m)} ≠ closing ${m.closing} (smallest units)`,
  }));
  return storeReconciliation(db, `recon_close_${periodId}`, at, { statementIdentity: periodId }, discrepancies);
}

export async function listReconciliations(db: Database, limit: number) {
  const rows = await db.selectFrom('finance_reconciliations').selectAll().orderBy('ran_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    ranAt: r.ran_at.toISOString(),
    status: r.status,
    checked: r.checked,
    discrepancies: r.discrepancies,
  }));
}
