import type { ColumnType, Selectable } from 'kysely';
import type { Mode } from './schema.js';

/** Pricing simulations (src/consumption/simulation); created by migrations/2026-11-30T142000_pricing_simulations.ts. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;
type Int8 = ColumnType<bigint, bigint | number | string, bigint | number | string>;

export const simulationStates = ['running', 'completed', 'failed'] as const;
export type SimulationState = (typeof simulationStates)[number];

export interface PricingSimulationTable {
  id: string;
  mode: ColumnType<Mode, Mode, never>;
  state: SimulationState;
  candidate_version: string;
  /** The candidate's rules as a pricing file: {version, effectiveFrom, features, cohorts}. */
  candidate: Json<unknown>;
  window_from: Timestamp;
  window_to: Timestamp;
  account_ids: string[] | null;
  total_events: Int8 | null;
  rated_events: ColumnType<bigint, bigint | number | undefined, bigint | number | string>;
  cursor_account: string | null;
  cursor_time: Timestamp | null;
  cursor_id: string | null;
  failure: string | null;
  created_by: string;
  workflow_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface PricingSimulationResultTable {
  simulation_id: string;
  account_id: string;
  feature: string;
  credit_type: string;
  events: Int8;
  actual_units: ColumnType<string, string, string>;
  simulated_units: ColumnType<string, string, string>;
  unrated_events: Int8;
  unpriced_events: Int8;
}

export type PricingSimulation = Selectable<PricingSimulationTable>;
export type PricingSimulationResult = Selectable<PricingSimulationResultTable>;
