import type { Client } from '@hubspot/api-client';
import type { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { PROPERTY_GROUP } from './company-properties.js';
import { call, orNotFound } from './hubspot-calls.js';

/**
 * The unique-value properties that make Burndown's HubSpot writes idempotent:
 * every owner task, timeline note and upsell deal carries Burndown's key in
 * one, so a retry after a crash between HubSpot's create and Burndown's record
 * finds the object by key (idProperty) instead of making a second one, and
 * HubSpot refuses a second object with the same key (409).
 */
export const KEY_PROPERTIES = {
  tasks: { name: 'burndown_task_key', label: 'Burndown task key', group: 'task_information', what: 'owner task' },
  notes: { name: 'burndown_note_key', label: 'Burndown note key', group: PROPERTY_GROUP.name, what: 'timeline note' },
  deals: { name: 'burndown_deal_key', label: 'Burndown deal key', group: PROPERTY_GROUP.name, what: 'upsell deal' },
} as const;
export type KeyedObjectType = keyof typeof KEY_PROPERTIES;

/**
 * Creates each key property (and its group where it is Burndown's own) when it
 * is missing; once seen, a property is not checked again by this process.
 * Answers the names it created, as `<object type>.<property>`.
 */
export function createKeyPropertyKeeper(client: Client) {
  const ready = new Set<KeyedObjectType>();
  async function ensure(objectType: KeyedObjectType): Promise<string | null> {
    if (ready.has(objectType)) return null;
    const spec = KEY_PROPERTIES[objectType];
    const exists = (await orNotFound(call(() => client.crm.properties.coreApi.getByName(objectType, spec.name)))) !== null;
    if (!exists) {
      if (spec.group === PROPERTY_GROUP.name) {
        const group = await orNotFound(call(() => client.crm.properties.groupsApi.getByName(objectType, spec.group)));
        if (!group) {
          await call(() => client.crm.properties.groupsApi.create(objectType, { ...PROPERTY_GROUP, displayOrder: -1 }));
        }
      }
      await call(() =>
        client.crm.properties.coreApi.create(objectType, {
          name: spec.name,
          label: spec.label,
          type: 'string' as PropertyCreateTypeEnum,
          fieldType: 'text' as PropertyCreateFieldTypeEnum,
          groupName: spec.group,
          description: `Set by Burndown: makes creating each ${spec.what} idempotent. Do not edit.`,
          hasUniqueValue: true,
        }),
      );
    }
    ready.add(objectType);
    return exists ? null : `${objectType}.${spec.name}`;
  }
  return {
    ensure,
    async ensureAll(): Promise<string[]> {
      const created: string[] = [];
      for (const objectType of Object.keys(KEY_PROPERTIES) as KeyedObjectType[]) {
        const name = await ensure(objectType);
        if (name) created.push(name);
      }
      return created;
    },
  };
}
