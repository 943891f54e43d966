import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

const account = z.object({ code: z.string().min(1), name: z.string().min(1) });
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like USD');
const rate = z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'a decimal rate like 1.0842');

export const chartSchema = z.object({
  reportingCurrency: currency,
  accounts: z.object({
    salesClearing: account,
    deferredRevenue: account,
    usageRevenue: account,
    breakageRevenue: account,
    salesReversals: account,
  }),
});
export type ChartOfAccounts = z.infer<typeof chartSchema>;
export type AccountRole = keyof ChartOfAccounts['accounts'];

export const fxRatesSchema = z.object({
  default: z.record(currency, rate).default({}),
  periods: z.record(z.string().regex(/^\d{4}-\d{2}$/), z.record(currency, rate)).default({}),
});
export type FxRatesConfig = z.infer<typeof fxRatesSchema>;

async function loadYaml<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  const result = schema.safeParse(parse(await readFile(path, 'utf8')));
  if (!result.success) {
    throw new Error(`${path} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

export const loadChart = (path: string) => loadYaml(path, chartSchema);
export const loadFxRates = (path: string) => loadYaml(path, fxRatesSchema);
