export { pricingSimulationWorkflow } from './simulation.js';
