import { css, html, LitElement, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { theme } from './theme.js';

export interface ChartSeries {
  label: string;
  /** Decimal strings, exact; converted to floats only to draw. */
  values: string[];
}

/** Distinct on white and for the common colour-vision deficiencies (Okabe–Ito). */
const palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442'];

/**
 * <bd-bar-chart>: stacked bars over time (uPlot), with its numbers also in a
 * table for screen readers and keyboard users. `x` are bucket starts
 * (ISO instants); each series has one decimal string per bucket.
 */
export class BdBarChart extends LitElement {
  static override properties = {
    x: { attribute: false },
    series: { attribute: false },
    label: {},
    locale: {},
    period: {},
    unit: {},
  };
  declare x: string[];
  declare series: ChartSeries[];
  declare label: string;
  declare locale: string;
  /** What one bar covers, for its label: day (default), week or month. */
  declare period: 'day' | 'week' | 'month';
  declare unit: string;
  private plot: uPlot | undefined;
  private resize = new ResizeObserver(() => this.plot?.setSize(this.size()));

  static override styles = [
    theme,
    unsafeCSS(uplotCss),
    css`
      figure {
        margin: 0;
      }
      .plot {
        min-height: 220px;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 14px;
        list-style: none;
        margin: 0 0 6px;
        padding: 0;
        font-size: 0.85em;
        color: var(--_muted);
      }
      .swatch {
        display: inline-block;
        width: 10px;
        height: 10px;
        border-radius: 2px;
        margin-right: 5px;
      }
      details {
        margin-top: 6px;
      }
      summary {
        cursor: pointer;
        color: var(--_accent);
      }
    `,
  ];

  constructor() {
    super();
    this.x = [];
    this.series = [];
    this.label = 'Chart';
    this.locale = 'en';
    this.period = 'day';
    this.unit = '';
  }

  override render() {
    const dates = this.x.map((d) => new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium' }).format(new Date(d)));
    const nf = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 9 });
    return html`<figure part="chart">
      <ul class="legend" aria-hidden="true">
        ${this.series.map((s, i) => html`<li><span class="swatch" style=${`background:${palette[i % palette.length]}`}></span>${s.label}</li>`)}
      </ul>
      <div class="plot" role="img" aria-label=${this.label}></div>
      <details>
        <summary>${this.label}: show as a table</summary>
        <table>
          <caption class="visually-hidden">
            ${this.label}
          </caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              ${this.series.map((s) => html`<th scope="col" class="num">${s.label}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${dates.map(
              (d, i) =>
                html`<tr>
                  <th scope="row">${d}</th>
                  ${this.series.map((s) => html`<td class="num">${nf.format((s.values[i] ?? '0') as Intl.StringNumericLiteral)}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </details>
    </figure>`;
  }

  private size() {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot');
    return { width: Math.max(240, box?.clientWidth ?? 480), height: 220 };
  }

  protected override updated(changed: PropertyValues): void {
    if (!changed.has('x') && !changed.has('series')) return;
    const box = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    this.plot?.destroy();
    if (this.x.length === 0) return;
    // One slot per bucket (bars evenly spaced whatever the month's length), labelled by its date.
    const xs = this.x.map((_, i) => i);
    const fmt = new Intl.DateTimeFormat(
      this.locale,
      this.period === 'month' ? { month: 'short', year: 'numeric' } : { month: 'short', day: 'numeric' },
    );
    const labels = this.x.map((d) => fmt.format(new Date(d)));
    const raw = this.series.map((s) => s.values.map(Number));
    // Stacked: series i is drawn at the sum of series 0..i; the legend shows its own value.
    const stacked = raw.map((_, i) => xs.map((_, j) => raw.slice(0, i + 1).reduce((sum, v) => sum + (v[j] ?? 0), 0)));
    const nf = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 2 });
    const bars = uPlot.paths.bars!({ size: [0.7, 64] });
    this.plot = new uPlot(
      {
        ...this.size(),
        series: [
          {},
          ...this.series
            .map((s, i) => ({
              label: s.label,
              fill: palette[i % palette.length]!,
              stroke: palette[i % palette.length]!,
              paths: bars,
              points: { show: false },
              value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? '–' : nf.format(raw[i]![idx] ?? 0)),
            }))
            // Later (taller) stacks are drawn first so each shorter one stays visible on top.
            .reverse(),
        ],
        axes: [
          { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (labels[t] ?? '') : '')) },
          { values: (_u, ticks) => ticks.map((t) => nf.format(t)), size: 60 },
        ],
        // Bars start at zero, or their heights would lie.
        scales: {
          x: { time: false, range: () => [-0.5, xs.length - 0.5] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
        },
        // The legend is ours (in series order, above the plot); uPlot's would list the stack reversed.
        legend: { show: false },
        cursor: { points: { show: false } },
      },
      [xs, ...stacked.reverse()],
      box,
    );
    this.resize.observe(box);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }
}

if (!customElements.get('bd-bar-chart')) customElements.define('bd-bar-chart', BdBarChart);
