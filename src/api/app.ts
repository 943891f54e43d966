import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import type { ApiDeps } from './deps.js';
import { HttpProblem, sendProblem, toProblem } from './problem.js';
import { limitersOf } from './rate-limit.js';
import { inspectInput, requireJsonBody } from './request-guards.js';
import { registerUnauthenticatedPaths } from './app-document.js';
import { requestLogging } from './request-log.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { metricsHandler } from '../observability/metrics-server.js';
import { createRouteRegistrar } from './route.js';
import { mountWebUi } from '../ui/serve.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerAccountUsageRoutes } from './routes/accounts-usage.js';
import { registerPoolCapRoutes } from './routes/accounts-pool-caps.js';
import { registerAccountStatementRoutes } from './routes/accounts-statements.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerDeductRoutes } from './routes/consumption-deduct.js';
import { registerUsageEventRoutes } from './routes/consumption-events.js';
import { registerConsumptionRoutes } from './routes/consumption.js';
import { registerShadowReportRoutes } from './routes/consumption-shadow.js';
import { registerCrmRoutes, registerHubSpotWebhookRoutes } from './routes/crm.js';
import { registerDisputeRoutes } from './routes/disputes.js';
import { registerImportRoutes } from './routes/imports.js';
import { importContentTypes } from '../imports/file-format.js';
import { registerFinanceRoutes } from './routes/finance.js';
import { registerApprovalRoutes } from './routes/grants-approvals.js';
import { registerSubscriptionRoutes } from './routes/grants-subscriptions.js';
import { registerPlanRoutes } from './routes/grants-plans.js';
import { registerTrialRoutes } from './routes/grants-trials.js';
import { registerGrantRoutes } from './routes/grants.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerEmailRoutes } from './routes/email.js';
import { mountStripeWebhooks, registerPaymentRoutes } from './routes/payments.js';
import { registerPriceOverrideRoutes } from './routes/pricing-overrides.js';
import { registerPricingRoutes } from './routes/pricing.js';
import { registerPricingSimulationRoutes } from './routes/pricing-simulations.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { httpTelemetry } from './telemetry.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The bearer-token routes (API keys, browser session tokens), area by area (src/api/routes/<area>*.ts); each route calls its area's service. */
const routeAreas = [
  registerAuthRoutes,
  registerAccountRoutes,
  registerAccountUsageRoutes,
  registerPoolCapRoutes,
  registerAccountStatementRoutes,
  registerConsumptionRoutes,
  registerDeductRoutes,
  registerUsageEventRoutes,
  registerShadowReportRoutes,
  registerPricingRoutes,
  registerPriceOverrideRoutes,
  registerPricingSimulationRoutes,
  registerGrantRoutes,
  registerApprovalRoutes,
  registerPlanRoutes,
  registerSubscriptionRoutes,
  registerTrialRoutes,
  registerPaymentRoutes,
  registerNotificationRoutes,
  registerEmailRoutes,
  registerCrmRoutes,
  registerFinanceRoutes,
  registerAuditRoutes,
  registerDisputeRoutes,
  registerImportRoutes,
  registerApiKeyRoutes,
  registerSettingsRoutes,
];

/**
 * The Express app. Generic so that a caller's own dependency object (a test
 * fixture that also keeps its database handle) is taken as it is.
 */
export function createApp<Deps extends ApiDeps>(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(httpTelemetry());
  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    next();
  });
  // One short line per request, at debug unless it failed: metrics count requests, logs explain failures.
  app.use(requestLogging(deps.logger));
  // The rate limiters' bounded LRUs preallocate their slots (RATE_LIMIT_MAX_TRACKED each): a fixed cost paid at start, not by the first request.
  limitersOf(deps);
  // A bulk import's file (docs/IMPORTS.md) is read as text, on its own path only; every other body must be JSON.
  app.post('/v1/imports', express.text({ type: Object.values(importContentTypes), limit: `${deps.config.IMPORT_MAX_FILE_MB}mb` }));
  app.use(requireJsonBody);
  // Keep the raw bytes: webhook signatures are computed over them.
  app.use(express.json({ limit: '2mb', verify: (req, _res, buf) => ((req as Request & { rawBody?: Buffer }).rawBody = buf) }));
  app.use(inspectInput);

  // Only with a token: a /metrics on the public port is never open (METRICS_LISTEN=public needs METRICS_TOKEN).
  if (deps.config.METRICS_LISTEN === 'public' && deps.config.METRICS_TOKEN) {
    const serveMetrics = metricsHandler(deps.config.METRICS_TOKEN);
    app.get('/metrics', (req, res) => serveMetrics(req, res));
  }
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    // Names and states only: why a dependency is down goes to the log, not to whoever asks.
    const probe = (name: string, check: Promise<unknown>) =>
      check.then(
        () => ({ name, ok: true }),
        (error: unknown) => {
          req.log.warn({ err: error, dependency: name }, 'readiness check failed');
          return { name, ok: false };
        },
      );
    const checks = await Promise.all([
      probe('postgres', sql`select 1`.execute(deps.ledger.db)),
      probe('temporal', deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const down = checks.filter((c) => !c.ok);
    if (down.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(res, {
      type: 'urn:burndown:problem:not_ready',
      title: 'Service Unavailable',
      status: 503,
      code: 'not_ready',
      detail: `Not ready: ${down.map((c) => c.name).join(' and ')} unreachable`,
      checks,
    });
  });

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: bd_<mode>_<id>_<secret>',
  });
  // Each route authenticates its caller (defineRoute), so an unknown path falls through to the 404 below.
  const api = express.Router();
  const define = createRouteRegistrar(api, registry, deps);
  for (const register of routeAreas) register(define);
  registerUnauthenticatedPaths(registry);

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Burndown API',
      version: '1.0.0',
      description: 'Prepaid credits: an exact append-only ledger. Amounts are decimal strings. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: deps.config.PUBLIC_URL ?? '/' }],
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(document);
  });
  const swaggerDir = createRequire(import.meta.url)
    .resolve('swagger-ui-dist/package.json')
    .replace(/package\.json$/, '');
  app.use('/docs/assets', express.static(swaggerDir, { index: false }));
  app.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Burndown API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`);
  });

  mountWebUi(app, deps); // the web UI (docs/UI.md): CORS for UI_ALLOWED_ORIGINS, /embed/burndown.js, /console
  mountStripeWebhooks(app, deps); // signed by Stripe, not by an API key
  registerHubSpotWebhookRoutes(app, deps); // signature v3, not an API key: outside the bearer-auth router
  app.use(api);
  app.use((req, _res, next) => {
    next(
      new HttpProblem({
        title: 'Not Found',
        status: 404,
        code: 'route_not_found',
        detail: `No route ${req.method} ${req.path}; see /docs.`,
      }),
    );
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { problem, headers } = toProblem(error, deps.problemContext);
    problem.requestId = res.locals.requestId as string;
    problem.instance = req.originalUrl;
    if (problem.status >= 500) req.log.error({ err: error }, 'request failed');
    sendProblem(res, problem, headers);
  });
  return app;
}
