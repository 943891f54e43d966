import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout; every entry point builds one and hands it down. */
export function createLogger(level: string, name: string): Logger {
  // Synchronous writes: the last lines before process.exit are never lost.
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
