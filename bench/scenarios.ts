import type { Database } from '../src/db/database.js';
import type { LoadResult } from './load.js';

export interface ScenarioContext {
  baseUrl: string;
  auth: Record<string, string>;
  accounts: string[];
  seconds: number;
  log: (s: string) => void;
  noop: LoadResult;
  db: Database;
}

export interface ScenarioRow {
  operation: string;
  result: LoadResult;
  baseline?: LoadResult;
  target: string;
  met: boolean | undefined;
  note?: string;
}

/**
 * Measurements of endpoints that other areas add (event ingest, consumption
 * sagas). Each says whether the running API has its endpoint, so the bench
 * reports "not measured" instead of failing when it does not.
 */
export interface Scenario {
  operation: string;
  target: string;
  baseline?: 'noop';
  available(baseUrl: string): Promise<boolean>;
  run(ctx: ScenarioContext): Promise<ScenarioRow>;
}

export async function hasPath(baseUrl: string, path: string): Promise<boolean> {
  const doc = (await (await fetch(`${baseUrl}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
  return path in doc.paths;
}

export const extraScenarios: Scenario[] = [];
