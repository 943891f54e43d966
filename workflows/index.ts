/** Every workflow the Burndown worker runs. The bundler starts here. */
export { holdSweeperWorkflow } from './hold-sweeper.js';
export * from './grants/index.js';
