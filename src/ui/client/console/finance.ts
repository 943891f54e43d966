import { formFields } from '../shared/form.js';
import { html } from 'lit';
import '../shared/bar-chart.js';
import { formatDateTime } from '../shared/format.js';
import './finance-journal.js';
import { ConsoleView } from './view.js';

interface Period {
  period: string;
  status: string | null;
  step: string | null;
  startedBy: string;
  startedAt: string;
  approvedBy: string | null;
  postedAt: string | null;
  error: string | null;
  revenue: { currency: string; recognized: string; breakage: string; closingDeferred: string }[];
}
interface Reconciliation {
  id: string;
  ranAt: string;
  status: string;
  discrepancies: { kind: string; detail: string }[];
}

const lastMonth = () => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};

/** <bd-finance>: month-end closes (start, live step, approve as another person), the journal with its CSV files, revenue per month, reconciliation reports. */
export class BdFinance extends ConsoleView {
  static override properties = {
    ...ConsoleView.properties,
    periods: { state: true },
    reconciliations: { state: true },
    journal: { state: true },
  };
  declare periods: Period[] | undefined;
  declare reconciliations: Reconciliation[] | undefined;
  declare journal: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    void this.run(() => this.session.client.get<{ reconciliations: Reconciliation[] }>('/v1/finance/reconciliations?limit=10')).then(
      (r) => (this.reconciliations = r?.reconciliations),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  /** Reloads the periods, every 2 s while a close is under way (its live step moves). */
  private async load() {
    clearTimeout(this.timer);
    const page = await this.run(() => this.session.client.get<{ data: Period[] }>('/v1/finance/periods'));
    if (page) this.periods = page.data;
    if (this.isConnected && this.periods?.some((p) => p.status !== 'posted' && p.status !== 'failed'))
      this.timer = setTimeout(() => void this.load(), 2000);
  }

  private async start(e: Event) {
    e.preventDefault();
    const period = formFields(e)('period');
    await this.run(
      () => this.session.client.post<{ started: boolean }>(`/v1/finance/periods/${period}/close`),
      (r) => (r.body.started ? `Close of ${period} started.` : `The close of ${period} was already under way.`),
    );
    await this.load();
  }

  private async approve(period: string) {
    await this.run(
      () => this.session.client.post(`/v1/finance/periods/${period}/approve`),
      () => `Approved the journal of ${period}; posting follows.`,
    );
    await this.load();
  }

  override render() {
    const me = this.session.me.subject;
    const computed = [...(this.periods ?? [])].filter((p) => p.revenue.length > 0).reverse();
    const currency = computed[0]?.revenue[0]?.currency;
    const of = (p: Period, key: 'recognized' | 'breakage' | 'closingDeferred') =>
      p.revenue.find((r) => r.currency === currency)?.[key] ?? '0';
    return html`<h1>Finance</h1>
      <form class="card row" @submit=${(e: Event) => void this.start(e)}>
        <label>Period <input type="month" name="period" required .value=${lastMonth()} /></label>
        <button type="submit">Start month-end close</button>
      </form>
      ${this.renderNotice()}
      <section class="card" aria-labelledby="periods-title">
        <h2 id="periods-title">Periods</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              <th scope="col">Live step</th>
              <th scope="col">Started by</th>
              <th scope="col">Approved by</th>
              <th scope="col">Posted</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            ${(this.periods ?? []).map(
              (p) =>
                html`<tr data-period=${p.period}>
                  <td>${p.period}</td>
                  <td class="status">${p.status ?? ''}${p.error ? html`<div class="error">${p.error}</div>` : ''}</td>
                  <td class="step">${p.step ?? '—'}</td>
                  <td>${p.startedBy}</td>
                  <td>${p.approvedBy ?? ''}</td>
                  <td>${p.postedAt ? formatDateTime(p.postedAt, navigator.language) : ''}</td>
                  <td class="row">
                    ${
                      p.step === 'awaiting_approval'
                        ? p.startedBy === me
                          ? html`<span class="muted">another person approves</span>`
                          : html`<button @click=${() => void this.approve(p.period)}>Approve ${p.period}</button>`
                        : ''
                    }
                    ${p.revenue.length || p.status === 'posted' ? html`<button class="secondary" @click=${() => (this.journal = p.period)}>Journal ${p.period}</button>` : ''}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${this.periods?.length === 0 ? html`<p class="muted">No close yet.</p>` : ''}
      </section>
      ${this.journal ? html`<bd-journal .session=${this.session} .period=${this.journal}></bd-journal>` : ''}
      ${
        computed.length && currency
          ? html`<section class="card" aria-labelledby="revenue-title">
              <h2 id="revenue-title">Revenue per month (${currency})</h2>
              <bd-bar-chart
                label=${`Recognized and breakage revenue per month, ${currency}`}
                period="month"
                .locale=${navigator.language}
                .x=${computed.map((p) => `${p.period}-01T00:00:00Z`)}
                .series=${[
                  { label: 'Recognized', values: computed.map((p) => of(p, 'recognized')) },
                  { label: 'Breakage', values: computed.map((p) => of(p, 'breakage')) },
                ]}
              ></bd-bar-chart>
              <bd-bar-chart
                label=${`Deferred revenue at month end, ${currency}`}
                period="month"
                .locale=${navigator.language}
                .x=${computed.map((p) => `${p.period}-01T00:00:00Z`)}
                .series=${[{ label: 'Deferred', values: computed.map((p) => of(p, 'closingDeferred')) }]}
              ></bd-bar-chart>
            </section>`
          : ''
      }
      <section class="card" aria-labelledby="recon-title">
        <h2 id="recon-title">Reconciliation reports</h2>
        ${
          (this.reconciliations ?? []).length === 0
            ? html`<p class="muted">None yet (the nightly Schedule writes one).</p>`
            : html`<ul>
                ${this.reconciliations!.map(
                  (r) =>
                    html`<li>
                      ${formatDateTime(r.ranAt, navigator.language)}:
                      <strong class=${r.status === 'ok' ? 'ok' : 'error'}>${r.status}</strong>
                      ${
                        r.discrepancies.length
                          ? html`<ul>
                              ${r.discrepancies.map((d) => html`<li>${d.kind}: ${d.detail}</li>`)}
                            </ul>`
                          : ''
                      }
                    </li>`,
                )}
              </ul>`
        }
      </section>`;
  }
}

customElements.define('bd-finance', BdFinance);
