export { disputeCaseWorkflow } from './case.js';
