/** The consumption area's workflows, exported to the worker bundle by workflows/index.ts. */
export { consumptionWorkflow } from './saga.js';
export { meteringLoopWorkflow, meteringWorkflow } from './metering.js';
