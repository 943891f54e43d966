export { importWorkflow } from './import.js';
