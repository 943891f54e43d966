import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout; every entry point builds one and hands it down. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    formatters: { level: (label) => ({ level: label }) },
  });
}
