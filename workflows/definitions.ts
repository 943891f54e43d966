/**
 * The one import point for every typed signal, query and update of Burndown's
 * workflows. Each area keeps its definitions in workflows/definitions/<area>.ts
 * and is re-exported here, so API handlers, product services and workflows all
 * name the same objects.
 */
export * from './definitions/grants.js';
export * from './definitions/finance.js';
export * from './definitions/consumption.js';
export * from './definitions/notifications.js';
export * from './definitions/payments.js';
