import { pino, type DestinationStream, type Logger } from 'pino';
import { traceFields } from './observability/trace-context.js';

export type { Logger };

/**
 * What is never written to a log, wherever the value sits in an entry: the
 * credentials of callers (Authorization, Cookie), signatures of inbound
 * webhooks, and secrets or tokens in objects that get logged. It is part of
 * the logger's own options, so it holds whatever the destination (a later
 * asynchronous one included) and whoever logs.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-hubspot-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.secret',
  '*.previousSecret',
  '*.previous_secret',
  '*.token',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.anchorKey',
  '*.password',
  'secret',
  'token',
];

/** JSON lines on stdout; every entry point builds one and hands it down. Tests may pass their own destination. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  // Asynchronous writes: a request never waits for stdout (a synchronous write
  // per request cost the API its CPU under load). Lines written while a write
  // is pending go out with the next one. pino flushes what is left when the
  // process exits (process.exit included); shutdown flushes first.
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: traceFields,
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out what the asynchronous destination still holds: the last step of a shutdown. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
}
