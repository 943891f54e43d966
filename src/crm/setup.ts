import type { Database } from '../db/database.js';
import { allPropertyDefinitions, PROPERTY_GROUP } from './company-properties.js';
import type { CrmGateway } from './gateway.js';

/**
 * Creates the Burndown property group and every missing company property (one
 * set per credit type), and the task property that keeps owner tasks from
 * being created twice (`tasks.burndown_task_key`). Safe to re-run.
 */
export async function setupHubSpotProperties(db: Database, gateway: CrmGateway): Promise<{ created: string[]; total: number }> {
  const definitions = await allPropertyDefinitions(db);
  const created = await gateway.ensureProperties(PROPERTY_GROUP, definitions);
  const taskKey = await gateway.ensureTaskKeyProperty();
  if (taskKey) created.push(taskKey);
  return { created, total: definitions.length + 1 };
}
