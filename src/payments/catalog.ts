import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { AmountFormatError, parseMoney } from '../money/amount.js';

/** One bundle as sold: price in minor units, credits as the decimal string of the catalog (converted per credit type at use). */
export interface Bundle {
  id: string;
  name: string;
  creditType: string;
  credits: string;
  price: { minor: bigint; currency: string };
  stripePriceId: string;
}

export interface Catalog {
  version: string;
  bundles: ReadonlyMap<string, Bundle>;
}

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal string');
const catalogSchema = z.object({
  version: z.string().min(1),
  bundles: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
        name: z.string().min(1),
        creditType: z.string().min(1),
        credits: decimal,
        price: z.object({ amount: decimal, currency: z.string().regex(/^[A-Za-z]{3}$/) }),
        stripePriceId: z.string().min(1),
      }),
    )
    .min(1),
});

export class CatalogError extends Error {}

/** Parses and validates catalog YAML; every problem names the bundle and field. */
export function parseCatalog(text: string, source = 'catalog'): Catalog {
  const result = catalogSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CatalogError(`${source} is invalid: ${problems}`);
  }
  const bundles = new Map<string, Bundle>();
  for (const b of result.data.bundles) {
    if (bundles.has(b.id)) throw new CatalogError(`${source}: bundle ${b.id} appears twice`);
    let price;
    try {
      price = parseMoney(b.price.amount, b.price.currency);
    } catch (error) {
      if (error instanceof AmountFormatError) throw new CatalogError(`${source}: bundle ${b.id} price: ${error.message}`);
      throw error;
    }
    if (price.minor <= 0n) throw new CatalogError(`${source}: bundle ${b.id} must cost more than zero`);
    bundles.set(b.id, { ...b, price });
  }
  return { version: result.data.version, bundles };
}

export async function loadCatalog(path: string): Promise<Catalog> {
  return parseCatalog(await readFile(path, 'utf8'), path);
}
