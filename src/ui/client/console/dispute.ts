import { html } from 'lit';
import { formatDateTime } from '../shared/format.js';
import { consoleLink } from './session.js';
import { ConsoleView } from './view.js';
import './dispute-cases.js';

interface Story {
  transactionId: string;
  kind: string;
  accountId: string;
  creditType: string;
  createdAt: string;
  cause: { actor: string; idempotencyKey: string | null; features: string[]; usageEventIds: string[]; consumptionIds: string[] };
  usageEvents: {
    id: string;
    feature: string;
    quantity: string | null;
    eventTime: string | null;
    status: string;
    pricingVersion: string | null;
    rating: unknown;
    cost: string | null;
  }[];
  consumptions: {
    id: string;
    feature: string;
    status: string;
    pricingVersion: string | null;
    finalRating: unknown;
    burned: string | null;
  }[];
  entries: {
    id: string;
    type: string;
    accountId: string;
    amount: string;
    balanceBefore: string;
    balanceAfter: string;
    grantId: string | null;
    grantRemainingBefore: string | null;
    grantRemainingAfter: string | null;
  }[];
  grantsTouched: {
    id: string;
    accountId: string;
    source: string;
    amount: string;
    remainingNow: string;
    status: string;
    expiresAt: string | null;
    costBasis: { minor: string; currency: string } | null;
  }[];
  related: { transactionId: string; kind: string; actor: string; createdAt: string; relation: string }[];
  audit: { occurredAt: string; actor: string; action: string; reason: string | null }[];
  disputes: { id: string; status: string }[];
}

const json = (v: unknown) => html`<pre style="white-space:pre-wrap;margin:0;font-size:0.85em">${JSON.stringify(v, null, 2)}</pre>`;

/** <bd-dispute>: the dispute view of one ledger transaction (GET /v1/transactions/{id}): cause, usage event and rating, entries, grants drawn on. */
export class BdDispute extends ConsoleView {
  static override properties = { ...ConsoleView.properties, transactionId: {}, story: { state: true } };
  declare transactionId: string;
  declare story: Story | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(() => this.session.client.get<Story>(`/v1/transactions/${encodeURIComponent(this.transactionId)}`)).then(
      (s) => (this.story = s),
    );
  }

  override render() {
    const s = this.story;
    if (!s)
      return html`<h1>Transaction ${this.transactionId}</h1>
        ${this.renderNotice()}
        <p class="muted" aria-busy="true">Loading…</p>`;
    const locale = navigator.language;
    return html`<h1>${s.kind} ${s.transactionId}</h1>
      <p>
        Account ${consoleLink(`/console/accounts/${encodeURIComponent(s.accountId)}`, s.accountId)}, ${formatDateTime(s.createdAt, locale)},
        by
        <strong>${s.cause.actor}</strong>${s.cause.features.length ? `, feature ${s.cause.features.join(', ')}` : ''}.
      </p>
      <bd-dispute-cases
        .session=${this.session}
        transactionId=${s.transactionId}
        accountId=${s.accountId}
        .caseIds=${s.disputes.map((d) => d.id)}
      ></bd-dispute-cases>
      <section class="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage and rating</h2>
        ${s.usageEvents.length === 0 && s.consumptions.length === 0 ? html`<p class="muted">A direct ledger call (no usage event or consumption).</p>` : ''}
        ${s.usageEvents.map(
          (u) =>
            html`<h3>Usage event ${u.id}</h3>
              <p>
                ${u.feature} × ${u.quantity ?? '—'} at ${u.eventTime ? formatDateTime(u.eventTime, locale) : '—'}; ${u.status}; pricing
                ${u.pricingVersion ?? '—'}; cost ${u.cost ?? '—'}
              </p>
              ${json(u.rating)}`,
        )}
        ${s.consumptions.map(
          (c) =>
            html`<h3>Consumption ${c.id}</h3>
              <p>${c.feature}; ${c.status}; pricing ${c.pricingVersion ?? '—'}; burned ${c.burned ?? '—'}</p>
              ${json(c.finalRating)}`,
        )}
      </section>
      <section class="card" aria-labelledby="entries-title">
        <h2 id="entries-title">Ledger entries</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Entry</th>
              <th scope="col">Type</th>
              <th scope="col">Account</th>
              <th scope="col" class="num">Amount</th>
              <th scope="col" class="num">Balance before → after</th>
              <th scope="col">Grant (remaining before → after)</th>
            </tr>
          </thead>
          <tbody>
            ${s.entries.map(
              (e) =>
                html`<tr>
                  <td>${e.id}</td>
                  <td>${e.type}</td>
                  <td>${e.accountId}</td>
                  <td class="num">${e.amount} ${s.creditType}</td>
                  <td class="num">${e.balanceBefore} → ${e.balanceAfter}</td>
                  <td>${e.grantId ? `${e.grantId} (${e.grantRemainingBefore} → ${e.grantRemainingAfter})` : 'overdraft'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="grants-title">
        <h2 id="grants-title">Grants drawn on</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col">Source</th>
              <th scope="col" class="num">Granted</th>
              <th scope="col" class="num">Remaining now</th>
              <th scope="col">Cost basis</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            ${s.grantsTouched.map(
              (g) =>
                html`<tr>
                  <td>${g.id}</td>
                  <td>${g.source}</td>
                  <td class="num">${g.amount}</td>
                  <td class="num">${g.remainingNow}</td>
                  <td>${g.costBasis ? `${g.costBasis.minor} ${g.costBasis.currency} (minor units)` : 'none'}</td>
                  <td>${g.expiresAt ? formatDateTime(g.expiresAt, locale) : 'never'}</td>
                  <td>${g.status}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      ${
        s.related.length || s.audit.length
          ? html`<section class="card" aria-labelledby="related-title">
              <h2 id="related-title">Refunds and audit</h2>
              <ul>
                ${s.related.map((r) => html`<li>${r.relation}: ${r.kind} ${r.transactionId} by ${r.actor}, ${formatDateTime(r.createdAt, locale)}</li>`)}
                ${s.audit.map((a) => html`<li>${a.action} by ${a.actor}, ${formatDateTime(a.occurredAt, locale)}${a.reason ? `: ${a.reason}` : ''}</li>`)}
              </ul>
            </section>`
          : ''
      }`;
  }
}

customElements.define('bd-dispute', BdDispute);
