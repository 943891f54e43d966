import { createServer, type Server } from 'node:http';
import { FakeObjectStore, type FakeObject } from './hubspot-fake-objects.js';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

interface Failure {
  status: number;
  retryAfter?: string;
  match?: (r: RecordedRequest) => boolean;
}

/**
 * A local stand-in for the HubSpot API, for the real @hubspot/api-client
 * pointed at it with basePath. Implements the few CRM v3 endpoints Burndown
 * calls, records every request, and answers queued failures (429 with
 * Retry-After, 500) before serving normally. The tests use it, and so does
 * `npm start` without HubSpot credentials (src/runtime/sandbox.ts).
 */
export class HubSpotFake {
  readonly requests: RecordedRequest[] = [];
  readonly companies = new Map<string, Record<string, string | null>>();
  /** Tasks, notes and deals, and their custom properties. */
  readonly objects = new FakeObjectStore(() => String(this.nextId++));
  readonly groups = new Set<string>();
  readonly properties = new Map<string, Record<string, unknown>>();
  private readonly failures: Failure[] = [];
  private nextId = 1000;
  private server: Server | undefined;
  url = '';

  /** The next request that matches answers with this status (and Retry-After for 429). */
  failNext(status: number, options: { retryAfter?: string; match?: (r: RecordedRequest) => boolean } = {}): void {
    this.failures.push({ status, ...options });
  }

  get tasks(): FakeObject[] {
    return this.objects.objects.get('tasks')!;
  }
  get notes(): FakeObject[] {
    return this.objects.objects.get('notes')!;
  }
  get deals(): FakeObject[] {
    return this.objects.objects.get('deals')!;
  }
  /** Custom task properties (name → definition, hasUniqueValue included). */
  get taskProperties() {
    return this.objects.definitions.get('tasks')!;
  }
  /** What is associated with a company: notes, tasks or deals. */
  associatedWith(type: 'tasks' | 'notes' | 'deals', companyId: string): FakeObject[] {
    return this.objects.objects.get(type)!.filter((o) => JSON.stringify(o.associations ?? []).includes(`"id":"${companyId}"`));
  }

  addCompany(properties: Record<string, string>): string {
    const id = String(this.nextId++);
    this.companies.set(id, { ...properties });
    return id;
  }

  companyWrites(id: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'PATCH' && r.path === `/crm/v3/objects/companies/${id}`);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://fake');
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          body: text ? JSON.parse(text) : undefined,
          authorization: req.headers.authorization,
        };
        this.requests.push(recorded);
        const failureIndex = this.failures.findIndex((f) => !f.match || f.match(recorded));
        if (failureIndex >= 0) {
          const [failure] = this.failures.splice(failureIndex, 1);
          res.writeHead(failure!.status, {
            'content-type': 'application/json',
            ...(failure!.retryAfter && { 'retry-after': failure!.retryAfter }),
          });
          res.end(
            JSON.stringify({
              status: 'error',
              message: failure!.status === 429 ? 'You have reached your ten_secondly_rolling limit.' : 'internal error',
              category: failure!.status === 429 ? 'RATE_LIMITS' : 'INTERNAL_ERROR',
            }),
          );
          return;
        }
        const [status, body] = this.route(recorded, url);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private company(id: string, names?: string[]) {
    const all = this.companies.get(id) ?? {};
    const properties = names ? Object.fromEntries(names.map((n) => [n, all[n] ?? null])) : all;
    const now = new Date().toISOString();
    return { id, properties: { ...properties, hs_object_id: id }, createdAt: now, updatedAt: now, archived: false };
  }

  private route(r: RecordedRequest, url: URL): [number, unknown] {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies of several HubSpot endpoints
    const body = (r.body ?? {}) as Record<string, any>;
    const now = new Date().toISOString();
    const companyPath = /^\/crm\/v3\/objects\/companies\/(\d+)$/.exec(r.path);
    if (companyPath && r.method === 'PATCH') {
      const id = companyPath[1]!;
      if (!this.companies.has(id)) return [404, { status: 'error', message: 'not found', category: 'OBJECT_NOT_FOUND' }];
      Object.assign(this.companies.get(id)!, body.properties);
      return [200, this.company(id)];
    }
    if (companyPath && r.method === 'GET') {
      return this.companies.has(companyPath[1]!)
        ? [200, this.company(companyPath[1]!, url.searchParams.get('properties')?.split(','))]
        : [404, { status: 'error', message: 'not found' }];
    }
    if (r.path === '/crm/v3/objects/companies' && r.method === 'POST') {
      return [201, this.company(this.addCompany(body.properties as Record<string, string>))];
    }
    if (r.path === '/crm/v3/objects/companies/search' && r.method === 'POST') {
      const filter = body.filterGroups?.[0]?.filters?.[0] as { propertyName: string; value: string } | undefined;
      const hits = [...this.companies.entries()]
        .filter(([, p]) => filter && p[filter.propertyName] === filter.value)
        .map(([id]) => this.company(id));
      return [200, { total: hits.length, results: hits.slice(0, body.limit ?? 10) }];
    }
    if (r.path === '/crm/v3/objects/companies/batch/read' && r.method === 'POST') {
      const results = (body.inputs as { id: string }[])
        .filter((i) => this.companies.has(i.id))
        .map((i) => this.company(i.id, body.properties as string[]));
      return [200, { status: 'COMPLETE', results, startedAt: now, completedAt: now }];
    }
    const object = this.objects.route(r.method, r.path, url, body);
    if (object) return object;
    if (r.path === '/crm/v3/properties/companies/groups' && r.method === 'GET') {
      return [200, { results: [...this.groups].map((name) => ({ name, label: name, displayOrder: -1, archived: false })) }];
    }
    if (r.path === '/crm/v3/properties/companies/groups' && r.method === 'POST') {
      this.groups.add(body.name as string);
      return [201, { name: body.name, label: body.label, displayOrder: -1, archived: false }];
    }
    if (r.path === '/crm/v3/properties/companies' && r.method === 'GET') {
      return [200, { results: [...this.properties.values()] }];
    }
    if (r.path === '/crm/v3/properties/companies' && r.method === 'POST') {
      this.properties.set(body.name as string, { ...body, options: body.options ?? [], createdAt: now, updatedAt: now });
      return [201, this.properties.get(body.name as string)];
    }
    return [404, { status: 'error', message: `fake has no ${r.method} ${r.path}` }];
  }
}
