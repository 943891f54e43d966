import { Client } from '@hubspot/api-client';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import type { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { tracedGateway } from '../observability/spans.js';
import { CrmRateLimitedError, CrmRejectedError, CrmUnavailableError, type CrmGateway, type CrmPropertyDefinition } from './gateway.js';

/** HubSpot's association type id for task → company. */
const TASK_TO_COMPANY = 192;

/**
 * A task property with HubSpot's unique-value constraint: each owner task
 * carries its Burndown key there, so a retry after a crash between HubSpot's
 * create and Burndown's record finds the task by key (GET with idProperty)
 * instead of making a second one, and two concurrent creates cannot both win
 * (HubSpot answers 409 to the second). HubSpot tasks take no idempotency key.
 */
export const TASK_KEY_PROPERTY = 'burndown_task_key';
const DEFAULT_RETRY_AFTER_SECONDS = 10;

function statusOf(error: unknown): number | null {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : null;
}

/** Maps the SDK's ApiException onto the gateway's three kinds of failure. */
function translate(error: unknown): Error {
  const status = statusOf(error);
  if (status === 429) {
    const header = (error as { headers?: Record<string, string> }).headers?.['retry-after'];
    const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : DEFAULT_RETRY_AFTER_SECONDS;
    return new CrmRateLimitedError(seconds);
  }
  if (status === null || status >= 500)
    return new CrmUnavailableError(status, error instanceof Error ? error.message.split('\n')[0]! : String(error));
  return new CrmRejectedError(status, error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error));
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translate(error);
  }
}

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
  /** Whether this process has seen the task-key property exist (then it is never checked again). */
  let taskKeyReady = false;
  const ensureTaskKeyProperty = async (): Promise<string | null> => {
    if (taskKeyReady) return null;
    const exists = await call(() => client.crm.properties.coreApi.getByName('tasks', TASK_KEY_PROPERTY)).then(
      () => true,
      (error: unknown) => {
        if (error instanceof CrmRejectedError && error.status === 404) return false;
        throw error;
      },
    );
    if (!exists) {
      await call(() =>
        client.crm.properties.coreApi.create('tasks', {
          name: TASK_KEY_PROPERTY,
          label: 'Burndown task key',
          type: 'string' as PropertyCreateTypeEnum,
          fieldType: 'text' as PropertyCreateFieldTypeEnum,
          groupName: 'task_information',
          description: 'Set by Burndown: makes creating each owner task idempotent. Do not edit.',
          hasUniqueValue: true,
        }),
      );
    }
    taskKeyReady = true;
    return exists ? null : `tasks.${TASK_KEY_PROPERTY}`;
  };
  const taskByKey = (key: string) =>
    call(() => client.crm.objects.tasks.basicApi.getById(key, [TASK_KEY_PROPERTY], undefined, undefined, false, TASK_KEY_PROPERTY)).then(
      (task) => task.id,
      (error: unknown) => {
        if (error instanceof CrmRejectedError && error.status === 404) return null;
        throw error;
      },
    );
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
      await ensureTaskKeyProperty();
      const existing = await taskByKey(task.key);
      if (existing) return existing;
      const created = await call(() =>
        client.crm.objects.tasks.basicApi.create({
          properties: {
            [TASK_KEY_PROPERTY]: task.key,
            hs_timestamp: task.dueAt.toISOString(),
            hs_task_subject: task.subject,
            hs_task_body: task.body,
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: 'HIGH',
            ...(task.ownerId && { hubspot_owner_id: task.ownerId }),
          },
          associations: [
            {
              to: { id: task.companyId },
              types: [
                { associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId: TASK_TO_COMPANY },
              ],
            },
          ],
        }),
      ).catch(async (error: unknown) => {
        // 409: another create with this key won the race; its task is the one.
        const winner = error instanceof CrmRejectedError && error.status === 409 ? await taskByKey(task.key) : null;
        if (winner) return { id: winner };
        throw error;
      });
      return created.id;
    },
    ensureTaskKeyProperty,
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
