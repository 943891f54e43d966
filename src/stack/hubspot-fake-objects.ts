/**
 * The HubSpot fake's engagement and deal objects (tasks, notes, deals): create
 * one or a batch, read by id or by a unique property (idProperty), batch read,
 * search by property or by associated company, and the objects' custom
 * properties and groups. As HubSpot: a custom property must exist before it is
 * set, a unique-value property refuses a second object with its value (409;
 * a batch create is refused whole), and a batch read answers 207 with the ids
 * it did not find.
 */
export interface FakeObject {
  id: string;
  properties: Record<string, string>;
  associations: unknown;
}
type Answer = [number, unknown];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies of several HubSpot endpoints
type Body = Record<string, any>;

export const FAKE_OBJECT_TYPES = ['tasks', 'notes', 'deals'] as const;
type ObjectType = (typeof FAKE_OBJECT_TYPES)[number];
/** Properties every object of the type has without a definition (besides hs_* and hubspot_owner_id). */
const BUILT_IN: Record<ObjectType, string[]> = {
  tasks: [],
  notes: [],
  deals: ['dealname', 'pipeline', 'dealstage', 'amount', 'description'],
};
const notFound = (message: string): Answer => [404, { status: 'error', category: 'OBJECT_NOT_FOUND', message }];

export class FakeObjectStore {
  readonly objects = new Map<ObjectType, FakeObject[]>(FAKE_OBJECT_TYPES.map((t) => [t, []]));
  readonly definitions = new Map<ObjectType, Map<string, Record<string, unknown> & { hasUniqueValue?: boolean }>>(
    FAKE_OBJECT_TYPES.map((t) => [t, new Map()]),
  );
  readonly groups = new Map<ObjectType, Set<string>>(FAKE_OBJECT_TYPES.map((t) => [t, new Set()]));

  constructor(private readonly newId: () => string) {}

  /** The answer for a request about tasks, notes or deals; null when the path is not one of theirs. */
  route(method: string, path: string, url: URL, body: Body): Answer | null {
    const objects = /^\/crm\/v3\/objects\/(tasks|notes|deals)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (objects) return this.objectRoute(method, objects[1] as ObjectType, objects[2], objects[3], url, body);
    const properties = /^\/crm\/v3\/properties\/(tasks|notes|deals)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (properties) return this.propertyRoute(method, properties[1] as ObjectType, properties[2], properties[3], body);
    return null;
  }

  private view(o: FakeObject, names?: string[]) {
    const now = new Date().toISOString();
    const properties = names ? Object.fromEntries(names.map((n) => [n, o.properties[n] ?? null])) : o.properties;
    return { id: o.id, properties: { ...properties, hs_object_id: o.id }, createdAt: now, updatedAt: now, archived: false };
  }

  private find(type: ObjectType, key: string, by: string | null): FakeObject | undefined {
    return this.objects.get(type)!.find((o) => (by ? o.properties[by] === key : o.id === key));
  }

  /** null when the properties can be written; else HubSpot's refusal (unknown property, or a unique value taken). */
  private refusal(type: ObjectType, batch: Record<string, string>[]): Answer | null {
    const seen = new Set<string>();
    for (const properties of batch) {
      for (const [name, value] of Object.entries(properties)) {
        if (name.startsWith('hs_') || name === 'hubspot_owner_id' || BUILT_IN[type].includes(name)) continue;
        const definition = this.definitions.get(type)!.get(name);
        if (!definition) return [400, { status: 'error', category: 'VALIDATION_ERROR', message: `Property "${name}" does not exist` }];
        if (!definition.hasUniqueValue) continue;
        if (seen.has(`${name}=${value}`) || this.find(type, value, name)) {
          return [409, { status: 'error', category: 'CONFLICT', message: `A ${type} object with ${name} ${value} already exists` }];
        }
        seen.add(`${name}=${value}`);
      }
    }
    return null;
  }

  private create(type: ObjectType, input: Body): FakeObject {
    const created = { id: this.newId(), properties: { ...(input.properties as Record<string, string>) }, associations: input.associations };
    this.objects.get(type)!.push(created);
    return created;
  }

  private objectRoute(method: string, type: ObjectType, id: string | undefined, action: string | undefined, url: URL, body: Body): Answer {
    const now = new Date().toISOString();
    if (method === 'POST' && id === undefined) {
      const refused = this.refusal(type, [body.properties as Record<string, string>]);
      return refused ?? [201, this.view(this.create(type, body))];
    }
    if (method === 'GET' && id !== undefined && action === undefined) {
      const found = this.find(type, decodeURIComponent(id), url.searchParams.get('idProperty'));
      return found ? [200, this.view(found, url.searchParams.get('properties')?.split(','))] : notFound('Object not found');
    }
    if (method === 'POST' && id === 'batch' && action === 'create') {
      const inputs = body.inputs as Body[];
      const refused = this.refusal(
        type,
        inputs.map((i) => i.properties as Record<string, string>),
      );
      if (refused) return refused;
      const results = inputs.map((i) => this.view(this.create(type, i)));
      return [201, { status: 'COMPLETE', results, startedAt: now, completedAt: now }];
    }
    if (method === 'POST' && id === 'batch' && action === 'read') {
      const wanted = (body.inputs as { id: string }[]).map((i) => i.id);
      const found = wanted.map((key) => this.find(type, key, (body.idProperty as string | undefined) ?? null));
      const results = found.filter((o): o is FakeObject => o !== undefined).map((o) => this.view(o, body.properties as string[]));
      const missing = wanted.filter((_, i) => found[i] === undefined);
      const errors = missing.length
        ? [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some objects', context: { ids: missing } }]
        : [];
      return [
        missing.length ? 207 : 200,
        { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt: now, completedAt: now },
      ];
    }
    if (method === 'POST' && id === 'search') return [200, this.search(type, body)];
    return notFound(`fake has no ${method} ${url.pathname}`);
  }

  /** AND of the first filter group's filters: EQ or IN on a property, or EQ on `associations.company`. */
  private search(type: ObjectType, body: Body) {
    const filters = (body.filterGroups?.[0]?.filters ?? []) as {
      propertyName: string;
      operator: string;
      value?: string;
      values?: string[];
    }[];
    const matches = (o: FakeObject) =>
      filters.every((f) => {
        const actual =
          f.propertyName === 'associations.company'
            ? JSON.stringify(o.associations ?? []).includes(`"id":"${f.value}"`)
              ? f.value
              : undefined
            : o.properties[f.propertyName];
        return f.operator === 'IN' ? (f.values ?? []).includes(actual ?? '') : actual === f.value;
      });
    const hits = this.objects.get(type)!.filter(matches);
    const limit = (body.limit as number | undefined) ?? 10;
    const after = Number(body.after ?? 0);
    const page = hits.slice(after, after + limit).map((o) => this.view(o, body.properties as string[] | undefined));
    return {
      total: hits.length,
      results: page,
      ...(after + limit < hits.length && { paging: { next: { after: String(after + limit) } } }),
    };
  }

  private propertyRoute(method: string, type: ObjectType, name: string | undefined, group: string | undefined, body: Body): Answer {
    const now = new Date().toISOString();
    const definitions = this.definitions.get(type)!;
    if (name === 'groups') {
      const groups = this.groups.get(type)!;
      if (method === 'GET' && group !== undefined) {
        return groups.has(group) ? [200, { name: group, label: group, displayOrder: -1, archived: false }] : notFound('Group not found');
      }
      if (method === 'POST') {
        groups.add(body.name as string);
        return [201, { name: body.name, label: body.label, displayOrder: -1, archived: false }];
      }
    }
    if (method === 'GET' && name !== undefined) {
      const definition = definitions.get(name);
      return definition ? [200, definition] : notFound('Property not found');
    }
    if (method === 'POST' && name === undefined) {
      definitions.set(body.name as string, { ...body, options: body.options ?? [], createdAt: now, updatedAt: now });
      return [201, definitions.get(body.name as string)];
    }
    return notFound(`fake has no ${method} properties of ${type}`);
  }
}
