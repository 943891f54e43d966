import { html } from 'lit';
import '../shared/bar-chart.js';
import type { ChartSeries } from '../shared/bar-chart.js';
import { browserTimeZone, formatCredits, formatDateTime } from '../shared/format.js';
import { WalletPart } from './part.js';

interface UsageReport {
  buckets: { start: string; end: string }[];
  series: { creditType: string; feature: string | null; burned: string[]; totalBurned: string }[];
  /** Usage events of the period never billed because they arrived late. */
  notBilled: { lateEventWindowDays: number; total: number; events: { eventId: string; feature: string; eventTime: string }[] };
}

/** How many of the late events the wallet names; the API gives up to 100 and their total. */
const NOT_BILLED_SHOWN = 5;

const DAY_MS = 86_400_000;

/**
 * <burndown-usage-chart>: credits burned per day or week by feature, over the
 * last `days` days (default 30), in the browser's time zone (GET …/usage).
 */
export class BurndownUsageChart extends WalletPart {
  static override properties = {
    ...WalletPart.properties,
    days: { type: Number },
    granularity: {},
    report: { state: true },
  };
  declare days: number;
  declare granularity: 'day' | 'week';
  declare report: UsageReport | undefined;

  constructor() {
    super();
    this.days = 30;
    this.granularity = 'day';
  }

  protected async load(): Promise<void> {
    const from = new Date(Date.now() - (this.days - 1) * DAY_MS).toISOString();
    const query = new URLSearchParams({ from, granularity: this.granularity, groupBy: 'feature', timeZone: browserTimeZone() });
    this.report = await this.client!.get<UsageReport>(this.path(`/usage?${query.toString()}`));
  }

  private pick(granularity: 'day' | 'week') {
    this.granularity = granularity;
    void this.reload();
  }

  override render() {
    if (this.failure) return this.renderFailure();
    const r = this.report;
    const series: ChartSeries[] = (r?.series ?? []).map((s) => ({ label: `${s.feature ?? 'other'} (${s.creditType})`, values: s.burned }));
    const granularityButton = (g: 'day' | 'week', label: string) =>
      html`<button class=${this.granularity === g ? '' : 'secondary'} aria-pressed=${this.granularity === g} @click=${() => this.pick(g)}>
        ${label}
      </button>`;
    return html`<section class="card" aria-labelledby="usage-title" part="usage">
      <div class="row" style="justify-content:space-between;align-items:center">
        <h2 id="usage-title">Usage, last ${this.days} days</h2>
        <div class="row" role="group" aria-label="Bucket size">
          ${granularityButton('day', 'Daily')} ${granularityButton('week', 'Weekly')}
        </div>
      </div>
      ${
        !r
          ? html`<p class="muted" aria-busy="true">Loading usage…</p>`
          : series.length === 0
            ? html`<p class="muted">No usage in this period.</p>`
            : html`<p class="muted">
                  ${r.series.map((s) => `${s.feature ?? 'other'}: ${formatCredits(s.totalBurned, this.locale)}`).join(' · ')}
                </p>
                <bd-bar-chart
                  .x=${r.buckets.map((b) => b.start)}
                  .series=${series}
                  .locale=${this.locale}
                  .period=${this.granularity}
                  label=${`Credits burned per ${this.granularity} by feature`}
                ></bd-bar-chart>`
      }
      ${r && r.notBilled.total > 0 ? this.renderNotBilled(r.notBilled) : ''}
    </section>`;
  }

  /** Late events are never billed: the customer sees which, and the rule that decided it. */
  private renderNotBilled(notBilled: UsageReport['notBilled']) {
    const shown = notBilled.events.slice(0, NOT_BILLED_SHOWN);
    return html`<div part="not-billed">
      <p class="muted">
        Not billed: ${notBilled.total} usage ${notBilled.total === 1 ? 'event' : 'events'} arrived more than
        ${notBilled.lateEventWindowDays} days after ${notBilled.total === 1 ? 'it' : 'they'} happened.
      </p>
      <ul class="muted">
        ${shown.map((e) => html`<li>${e.feature}, ${formatDateTime(e.eventTime, this.locale)} (event ${e.eventId}): late event</li>`)}
      </ul>
    </div>`;
  }
}

if (!customElements.get('burndown-usage-chart')) customElements.define('burndown-usage-chart', BurndownUsageChart);
