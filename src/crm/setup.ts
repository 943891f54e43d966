import type { Database } from '../db/database.js';
import { allPropertyDefinitions, PROPERTY_GROUP } from './company-properties.js';
import type { CrmGateway } from './gateway.js';

/**
 * Creates the Burndown property group and every missing company property (one
 * set per credit type), and the unique key properties that keep owner tasks,
 * timeline notes and upsell deals from being created twice
 * (`tasks.burndown_task_key`, `notes.burndown_note_key`, `deals.burndown_deal_key`). Safe to re-run.
 */
export async function setupHubSpotProperties(db: Database, gateway: CrmGateway): Promise<{ created: string[]; total: number }> {
  const definitions = await allPropertyDefinitions(db);
  const created = await gateway.ensureProperties(PROPERTY_GROUP, definitions);
  created.push(...(await gateway.ensureKeyProperties()));
  return { created, total: definitions.length + 3 };
}
