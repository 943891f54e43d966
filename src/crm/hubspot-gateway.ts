import { Client } from '@hubspot/api-client';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import type { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { tracedGateway } from '../observability/spans.js';
import type { CrmGateway, CrmPropertyDefinition } from './gateway.js';
import { call, createOncePerKey, orNotFound } from './hubspot-calls.js';
import { createKeyPropertyKeeper, KEY_PROPERTIES } from './hubspot-keys.js';
import { createNoteWriter } from './hubspot-notes.js';

/** HubSpot's association type ids: task → company, deal → company (primary). */
const TASK_TO_COMPANY = 192;
const DEAL_TO_COMPANY = 5;
const TASK_KEY = KEY_PROPERTIES.tasks.name;
const DEAL_KEY = KEY_PROPERTIES.deals.name;
const toCompany = (companyId: string, associationTypeId: number) => [
  {
    to: { id: companyId },
    types: [{ associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId }],
  },
];

const asStrings = (p: Record<string, string | null>) => p;

/**
 * The CRM gateway over the official @hubspot/api-client. The SDK's own retry
 * and rate limiter are off: Temporal owns retries (and honours Retry-After).
 * `basePath` points it elsewhere (the local fake in tests).
 */
export function createHubSpotGateway(options: { accessToken: string; basePath?: string }): CrmGateway {
  const client = new Client({
    accessToken: options.accessToken,
    ...(options.basePath && { basePath: options.basePath.replace(/\/$/, '') }),
    numberOfApiCallRetries: 0,
  });
  const keys = createKeyPropertyKeeper(client);
  const byKey = (objectType: 'tasks' | 'deals', keyProperty: string, key: string) => async () =>
    (
      await orNotFound(
        call(() => client.crm.objects.basicApi.getById(objectType, key, [keyProperty], undefined, undefined, false, keyProperty)),
      )
    )?.id ?? null;
  return tracedGateway('hubspot', {
    async getCompanies(ids, properties) {
      if (ids.length === 0) return [];
      const response = await call(() =>
        client.crm.companies.batchApi.read({ inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
      );
      return response.results.map((c) => ({ id: c.id, properties: asStrings(c.properties) }));
    },
    async findCompanyByDomain(domain) {
      const response = await call(() =>
        client.crm.companies.searchApi.doSearch({
          filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ' as FilterOperatorEnum, value: domain }] }],
          properties: ['domain', 'hubspot_owner_id'],
          limit: 1,
          after: undefined,
          sorts: [],
        }),
      );
      const found = response.results[0];
      return found ? { id: found.id, properties: asStrings(found.properties) } : null;
    },
    async createCompany(properties) {
      const created = await call(() => client.crm.companies.basicApi.create({ properties, associations: [] }));
      return { id: created.id, properties: asStrings(created.properties) };
    },
    async updateCompany(id, properties) {
      await call(() => client.crm.companies.basicApi.update(id, { properties }));
    },
    async createTask(task) {
      await keys.ensure('tasks');
      return createOncePerKey({
        byKey: byKey('tasks', TASK_KEY, task.key),
        create: async () => {
          const properties = {
            [TASK_KEY]: task.key,
            hs_timestamp: task.dueAt.toISOString(),
            hs_task_subject: task.subject,
            hs_task_body: task.body,
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: 'HIGH',
            ...(task.ownerId && { hubspot_owner_id: task.ownerId }),
          };
          return (
            await call(() =>
              client.crm.objects.tasks.basicApi.create({ properties, associations: toCompany(task.companyId, TASK_TO_COMPANY) }),
            )
          ).id;
        },
      });
    },
    async createDeal(deal) {
      await keys.ensure('deals');
      return createOncePerKey({
        byKey: byKey('deals', DEAL_KEY, deal.key),
        create: async () => {
          const properties = {
            [DEAL_KEY]: deal.key,
            dealname: deal.name,
            description: deal.description,
            pipeline: deal.pipeline,
            dealstage: deal.stage,
            ...(deal.ownerId && { hubspot_owner_id: deal.ownerId }),
          };
          return (
            await call(() => client.crm.deals.basicApi.create({ properties, associations: toCompany(deal.companyId, DEAL_TO_COMPANY) }))
          ).id;
        },
      });
    },
    createNotes: createNoteWriter(client, keys),
    ensureKeyProperties: () => keys.ensureAll(),
    async ensureProperties(group, properties: CrmPropertyDefinition[]) {
      const existingGroups = await call(() => client.crm.properties.groupsApi.getAll('companies'));
      if (!existingGroups.results.some((g) => g.name === group.name)) {
        await call(() => client.crm.properties.groupsApi.create('companies', { name: group.name, label: group.label, displayOrder: -1 }));
      }
      const existing = await call(() => client.crm.properties.coreApi.getAll('companies', false));
      const names = new Set(existing.results.map((p) => p.name));
      const created: string[] = [];
      for (const p of properties.filter((d) => !names.has(d.name))) {
        await call(() =>
          client.crm.properties.coreApi.create('companies', {
            name: p.name,
            label: p.label,
            description: p.description,
            groupName: group.name,
            type: p.type as PropertyCreateTypeEnum,
            fieldType: p.fieldType as PropertyCreateFieldTypeEnum,
            ...(p.options && { options: p.options.map((o, i) => ({ ...o, displayOrder: i, hidden: false })) }),
          }),
        );
        created.push(p.name);
      }
      return created;
    },
  } satisfies CrmGateway);
}
