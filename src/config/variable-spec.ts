import { z } from 'zod';

/**
 * How a setting is declared (src/config/variables.ts and variables-areas.ts):
 * its schema, an example and a line of documentation, plus the schemas
 * several settings share.
 */
export interface VariableSpec<S extends z.ZodType> {
  schema: S;
  example: string;
  doc: string;
}

export function variable<S extends z.ZodType>(schema: S, example: string, doc: string): VariableSpec<S> {
  return { schema, example, doc };
}

export const port = z.coerce.number().int().min(1).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');
/** JSON of credit limits per API key scope, e.g. {"support":"1000"}, with its default: decimal strings, checked after parsing. */
export const creditLimitsJson = (defaultJson: string) =>
  z
    .string()
    .default(defaultJson)
    .pipe(
      z.preprocess(
        (raw) => {
          try {
            return JSON.parse(raw);
          } catch {
            return raw; // not JSON: the record check below names the problem
          }
        },
        z.record(z.string(), z.string().regex(/^\d+(\.\d+)?$/, 'limits are decimal strings')),
      ),
    );
export const hostPort = z.string().regex(/^[^:/\s]+:\d{1,5}$/, 'must be host:port');
