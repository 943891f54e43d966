import { csvRow } from '../finance/adapters/csv.js';
import type { Statement } from './statement.js';

const COLUMNS = ['section', 'credit_type', 'item', 'detail', 'amount', 'currency', 'at'] as const;

/**
 * A statement as one CSV table (RFC 4180, formulas defused): a `section`
 * column says what each row is (summary, grant_issued, grant_expired, burn,
 * purchase, purchase_total, not_billed_total with the count of late events
 * and the window in its detail, not_billed per late event with its quantity);
 * amounts are the JSON's decimal strings.
 */
export function statementCsv(s: Statement): string {
  let out = csvRow(COLUMNS);
  const row = (fields: Record<(typeof COLUMNS)[number], string | null>) => (out += csvRow(COLUMNS.map((c) => fields[c])));
  for (const c of s.creditTypes) {
    const lines = ['opening', 'granted', 'burned', 'expired', 'refunded', 'voided', 'adjustments', 'closing'] as const;
    for (const item of lines) {
      row({ section: 'summary', credit_type: c.creditType, item, detail: null, amount: c[item], currency: null, at: null });
    }
  }
  for (const g of s.grantsIssued) {
    row({
      section: 'grant_issued',
      credit_type: g.creditType,
      item: g.id,
      detail: g.source,
      amount: g.amount,
      currency: null,
      at: g.issuedAt,
    });
  }
  for (const g of s.grantsExpired) {
    row({
      section: 'grant_expired',
      credit_type: g.creditType,
      item: g.id,
      detail: g.source,
      amount: g.expired,
      currency: null,
      at: g.expiredAt,
    });
  }
  for (const b of s.burnByFeature) {
    for (const detail of ['burned', 'refunded'] as const) {
      row({ section: 'burn', credit_type: b.creditType, item: b.feature, detail, amount: b[detail], currency: null, at: null });
    }
  }
  for (const p of s.purchases) {
    const detail = `${p.credits} credits`;
    row({
      section: 'purchase',
      credit_type: p.creditType,
      item: p.grantId,
      detail,
      amount: p.price.amount,
      currency: p.price.currency,
      at: p.purchasedAt,
    });
  }
  for (const t of s.purchaseTotals) {
    row({ section: 'purchase_total', credit_type: null, item: null, detail: null, amount: t.amount, currency: t.currency, at: null });
  }
  const window = `older than ${s.notBilled.lateEventWindowDays} days when received`;
  row({
    section: 'not_billed_total',
    credit_type: null,
    item: null,
    detail: window,
    amount: String(s.notBilled.total),
    currency: null,
    at: null,
  });
  for (const e of s.notBilled.events) {
    row({
      section: 'not_billed',
      credit_type: null,
      item: e.eventId,
      detail: `${e.reason}: ${e.feature} at ${e.eventTime}`,
      amount: e.quantity,
      currency: null,
      at: e.receivedAt,
    });
  }
  return out;
}
