/** One workflow per pricing simulation (issue 18), under the id pricing-simulation-<simulationId>. */
export const simulationWorkflowId = (simulationId: string) => `pricing-simulation-${simulationId}`;

export interface SimulationInput {
  simulationId: string;
  /** Events per page: one database transaction each. */
  pageSize: number;
}

/** Where a simulation stands, as of its last page. `total` is null until the first page counted the window. */
export interface SimulationProgress {
  simulationId: string;
  state: 'running' | 'completed' | 'failed';
  total: number | null;
  rated: number;
}
