import { createServer, type Server } from 'node:http';

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
  readonly tasks: { id: string; properties: Record<string, string>; associations: unknown }[] = [];
  /** Custom task properties (name → definition, hasUniqueValue included). */
  readonly taskProperties = new Map<string, Record<string, unknown> & { hasUniqueValue?: boolean }>();
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
    if (r.path === '/crm/v3/objects/tasks' && r.method === 'POST') {
      const properties = body.properties as Record<string, string>;
      // As HubSpot: a property must exist to be set, and a unique-value property refuses a second record with its value.
      for (const [name, value] of Object.entries(properties).filter(([n]) => !n.startsWith('hs_') && n !== 'hubspot_owner_id')) {
        const definition = this.taskProperties.get(name);
        if (!definition) return [400, { status: 'error', category: 'VALIDATION_ERROR', message: `Property "${name}" does not exist` }];
        if (definition.hasUniqueValue && this.tasks.some((t) => t.properties[name] === value)) {
          return [409, { status: 'error', category: 'CONFLICT', message: `A task with ${name} ${value} already exists` }];
        }
      }
      const id = String(this.nextId++);
      this.tasks.push({ id, properties, associations: body.associations });
      return [201, { id, properties, createdAt: now, updatedAt: now, archived: false }];
    }
    const taskPath = /^\/crm\/v3\/objects\/tasks\/([^/]+)$/.exec(r.path);
    if (taskPath && r.method === 'GET') {
      const key = decodeURIComponent(taskPath[1]!);
      const by = url.searchParams.get('idProperty');
      const task = this.tasks.find((t) => (by ? t.properties[by] === key : t.id === key));
      return task
        ? [200, { id: task.id, properties: task.properties, createdAt: now, updatedAt: now, archived: false }]
        : [404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Object not found' }];
    }
    const taskProperty = /^\/crm\/v3\/properties\/tasks\/([^/]+)$/.exec(r.path);
    if (taskProperty && r.method === 'GET') {
      const definition = this.taskProperties.get(taskProperty[1]!);
      return definition ? [200, definition] : [404, { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Property not found' }];
    }
    if (r.path === '/crm/v3/properties/tasks' && r.method === 'POST') {
      this.taskProperties.set(body.name as string, { ...body, options: body.options ?? [], createdAt: now, updatedAt: now });
      return [201, this.taskProperties.get(body.name as string)];
    }
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
