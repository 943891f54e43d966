import { html, type PropertyValues } from 'lit';
import { saveFile } from '../shared/api.js';
import { formatMoney } from '../shared/format.js';
import { ConsoleView } from './view.js';

interface Line {
  accountCode: string;
  accountName: string;
  currency: string;
  debitMinor: string;
  creditMinor: string;
  entryKind: string;
}

const exponent = (currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** Minor units (exact bigint) as a decimal string of the currency's exponent. */
function decimal(minor: bigint, currency: string): string {
  const e = exponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(e + 1, '0');
  const text = e === 0 ? digits : `${digits.slice(0, -e)}.${digits.slice(-e)}`;
  return negative ? `-${text}` : text;
}

/** <bd-journal>: a period's journal summed by account code and currency (exact, in minor units), with the QuickBooks and Xero CSV files. */
export class BdJournal extends ConsoleView {
  static override properties = { ...ConsoleView.properties, period: {}, lines: { state: true } };
  declare period: string;
  declare lines: Line[] | undefined;

  protected override updated(changed: PropertyValues): void {
    if (!changed.has('period')) return;
    this.lines = undefined;
    void this.run(() => this.session.client.get<{ lines: Line[] }>(`/v1/finance/periods/${this.period}/journal`)).then(
      (j) => (this.lines = j?.lines),
    );
  }

  private async download(format: 'quickbooks' | 'xero') {
    const file = await this.run(() => this.session.client.download(`/v1/finance/periods/${this.period}/journal?format=${format}`));
    if (file) saveFile(file, `journal-${this.period}.${format}.csv`);
  }

  override render() {
    const sums = new Map<string, { code: string; name: string; currency: string; debit: bigint; credit: bigint }>();
    for (const l of this.lines ?? []) {
      const key = `${l.accountCode}\u0000${l.currency}`;
      const s = sums.get(key) ?? { code: l.accountCode, name: l.accountName, currency: l.currency, debit: 0n, credit: 0n };
      s.debit += BigInt(l.debitMinor);
      s.credit += BigInt(l.creditMinor);
      sums.set(key, s);
    }
    const rows = [...sums.values()].sort((a, b) => (a.code + a.currency < b.code + b.currency ? -1 : 1));
    const money = (minor: bigint, currency: string) => formatMoney(decimal(minor, currency), currency, navigator.language);
    return html`<section class="card" aria-labelledby="journal-title">
      <div class="row" style="justify-content:space-between">
        <h2 id="journal-title">Journal ${this.period}</h2>
        <div class="row">
          <button class="secondary" @click=${() => void this.download('quickbooks')}>Download QuickBooks CSV</button>
          <button class="secondary" @click=${() => void this.download('xero')}>Download Xero CSV</button>
        </div>
      </div>
      ${this.renderNotice()}
      ${
        !this.lines
          ? html`<p class="muted" aria-busy="true">Loading…</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Name</th>
                  <th scope="col">Currency</th>
                  <th scope="col" class="num">Debit</th>
                  <th scope="col" class="num">Credit</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr data-account-code=${r.code}>
                      <td>${r.code}</td>
                      <td>${r.name}</td>
                      <td>${r.currency}</td>
                      <td class="num">${money(r.debit, r.currency)}</td>
                      <td class="num">${money(r.credit, r.currency)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  }
}

customElements.define('bd-journal', BdJournal);
