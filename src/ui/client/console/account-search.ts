import { formFields } from '../shared/form.js';
import { html } from 'lit';
import { formatDate } from '../shared/format.js';
import { consoleLink } from './session.js';
import { ConsoleView } from './view.js';

interface AccountSummary {
  id: string;
  name: string;
  parentId: string | null;
  hubspotDomain: string | null;
  createdAt: string;
}

/** <bd-account-search>: accounts by id, name or linked HubSpot domain (GET /v1/accounts?query=). */
export class BdAccountSearch extends ConsoleView {
  static override properties = { ...ConsoleView.properties, query: { state: true }, results: { state: true }, cursors: { state: true } };
  declare query: string;
  declare results: { data: AccountSummary[]; nextCursor: string | null } | undefined;
  declare cursors: (string | null)[];

  constructor() {
    super();
    this.query = new URLSearchParams(location.search).get('q') ?? '';
    this.cursors = [null];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.search();
  }

  private async search() {
    const cursor = this.cursors[this.cursors.length - 1];
    const params = new URLSearchParams({ limit: '25', ...(this.query && { query: this.query }), ...(cursor && { cursor }) });
    this.results = await this.run(() =>
      this.session.client.get<{ data: AccountSummary[]; nextCursor: string | null }>(`/v1/accounts?${params.toString()}`),
    );
  }

  override render() {
    return html`<h1>Accounts</h1>
      <form
        class="row card"
        role="search"
        @submit=${(e: Event) => {
          e.preventDefault();
          this.query = formFields(e)('q');
          this.cursors = [null];
          history.replaceState(null, '', this.query ? `/console?q=${encodeURIComponent(this.query)}` : '/console');
          void this.search();
        }}
      >
        <label style="flex:1"
          >Account id, name or HubSpot domain (starts with)
          <input name="q" .value=${this.query} autofocus />
        </label>
        <button type="submit">Search</button>
      </form>
      ${this.renderNotice()}
      ${
        this.results
          ? html`<table class="card">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col">Name</th>
                    <th scope="col">HubSpot domain</th>
                    <th scope="col">Pool parent</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.results.data.map(
                    (a) =>
                      html`<tr>
                        <td>${consoleLink(`/console/accounts/${encodeURIComponent(a.id)}`, a.id)}</td>
                        <td>${a.name}</td>
                        <td>${a.hubspotDomain ?? ''}</td>
                        <td>${a.parentId ?? ''}</td>
                        <td>${formatDate(a.createdAt, navigator.language)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${this.results.data.length === 0 ? html`<p class="muted">No account matches.</p>` : ''}
              <div class="row">
                <button
                  class="secondary"
                  ?disabled=${this.cursors.length < 2}
                  @click=${() => {
                    this.cursors = this.cursors.slice(0, -1);
                    void this.search();
                  }}
                >
                  Previous
                </button>
                <button
                  class="secondary"
                  ?disabled=${!this.results.nextCursor}
                  @click=${() => {
                    this.cursors = [...this.cursors, this.results!.nextCursor];
                    void this.search();
                  }}
                >
                  Next
                </button>
              </div>`
          : html`<p class="muted" aria-busy="true">Searching…</p>`
      }`;
  }
}

customElements.define('bd-account-search', BdAccountSearch);
