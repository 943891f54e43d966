import { v7 as uuidv7 } from 'uuid';

/**
 * Prefixed, time-ordered ids (UUIDv7): the prefix says what the id names, the
 * time order keeps index inserts local.
 */
export const idPrefixes = {
  grant: 'grt',
  hold: 'hld',
  transaction: 'txn',
  apiKey: 'key',
} as const;

export function newId(kind: keyof typeof idPrefixes): string {
  return `${idPrefixes[kind]}_${uuidv7().replaceAll('-', '')}`;
}
