import { html } from 'lit';
import { saveFile } from '../shared/api.js';
import { statementMonths, utcMonth } from '../shared/months.js';
import { WalletPart } from './part.js';

/**
 * <burndown-statements>: the account's monthly statements (UTC months since
 * the account was opened), as PDF or CSV. The session token cannot ride a
 * plain link, so each file is fetched with it and handed to the browser's
 * save dialog.
 */
export class BurndownStatements extends WalletPart {
  static override properties = { ...WalletPart.properties, months: { state: true }, busy: { state: true } };
  declare months: string[] | undefined;
  declare busy: string | undefined;

  protected async load(): Promise<void> {
    const account = await this.client!.get<{ createdAt: string }>(this.path(''));
    this.months = statementMonths(new Date(account.createdAt), new Date());
  }

  private async save(month: string, format: 'pdf' | 'csv') {
    this.busy = `${month}.${format}`;
    try {
      saveFile(await this.client!.download(this.path(`/statements/${month}?format=${format}`)), `statement-${month}.${format}`);
      this.failure = undefined;
    } catch (error) {
      this.failure = WalletPart.explain(error, this.resolved);
    } finally {
      this.busy = undefined;
    }
  }

  override render() {
    if (this.failure) return this.renderFailure();
    const running = utcMonth(new Date());
    const button = (month: string, format: 'pdf' | 'csv') =>
      html`<button
        class="secondary"
        ?disabled=${this.busy !== undefined}
        aria-label=${`Download the ${month} statement as ${format.toUpperCase()}`}
        @click=${() => void this.save(month, format)}
      >
        ${format.toUpperCase()}
      </button>`;
    return html`<section class="card" aria-labelledby="statements-title" part="statements">
      <h2 id="statements-title">Statements</h2>
      ${
        !this.months
          ? html`<p class="muted" aria-busy="true">Loading statements…</p>`
          : html`<ul class="statements">
              ${this.months.map(
                (month) =>
                  html`<li data-month=${month}>
                    <span>${month}${month === running ? ' (so far)' : ''}</span> ${button(month, 'pdf')} ${button(month, 'csv')}
                  </li>`,
              )}
            </ul>`
      }
    </section>`;
  }
}

if (!customElements.get('burndown-statements')) customElements.define('burndown-statements', BurndownStatements);
