import type { Client } from '@hubspot/api-client';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import { CrmRejectedError, type CrmNoteInput } from './gateway.js';
import { call } from './hubspot-calls.js';
import { KEY_PROPERTIES, type createKeyPropertyKeeper } from './hubspot-keys.js';

/** HubSpot's association type id for note → company. */
const NOTE_TO_COMPANY = 190;
/** HubSpot's limit on the inputs of one batch call. */
export const HUBSPOT_BATCH_LIMIT = 100;
const NOTE_KEY = KEY_PROPERTIES.notes.name;
const CREATE_ATTEMPTS = 3;

/**
 * Timeline notes over the SDK's notes API, idempotent by key: one batch read
 * by key (idProperty: consistent, unlike search, which lags writes) finds the
 * notes made before a crash; the rest are made in one batch create with their
 * company association. HubSpot refuses a batch holding a key it already has
 * (409, a concurrent sync won): the keys are read again and only the still
 * missing ones created.
 */
export function createNoteWriter(client: Client, keys: ReturnType<typeof createKeyPropertyKeeper>) {
  async function notesByKey(wanted: string[]): Promise<Map<string, string>> {
    const response = await call(() =>
      client.crm.objects.notes.batchApi.read({
        inputs: wanted.map((id) => ({ id })),
        properties: [NOTE_KEY],
        propertiesWithHistory: [],
        idProperty: NOTE_KEY,
      }),
    );
    return new Map(response.results.map((note) => [note.properties[NOTE_KEY]!, note.id]));
  }
  const input = (note: CrmNoteInput) => ({
    properties: {
      [NOTE_KEY]: note.key,
      hs_timestamp: note.timestamp.toISOString(),
      hs_note_body: note.body,
    },
    associations: [
      {
        to: { id: note.companyId },
        types: [{ associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId: NOTE_TO_COMPANY }],
      },
    ],
  });

  /** key → HubSpot note id for every note given (at most HUBSPOT_BATCH_LIMIT), creating only those HubSpot does not have. */
  return async function createNotes(notes: CrmNoteInput[]): Promise<Map<string, string>> {
    if (notes.length === 0) return new Map();
    if (notes.length > HUBSPOT_BATCH_LIMIT) throw new RangeError(`at most ${HUBSPOT_BATCH_LIMIT} notes per call`);
    await keys.ensure('notes');
    const found = await notesByKey(notes.map((n) => n.key));
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      const missing = notes.filter((n) => !found.has(n.key));
      if (missing.length === 0) break;
      try {
        const created = await call(() => client.crm.objects.notes.batchApi.create({ inputs: missing.map(input) }));
        for (const note of created.results) found.set(note.properties[NOTE_KEY]!, note.id);
      } catch (error) {
        if (!(error instanceof CrmRejectedError && error.status === 409) || attempt === CREATE_ATTEMPTS) throw error;
        for (const [key, id] of await notesByKey(missing.map((n) => n.key))) found.set(key, id);
      }
    }
    return found;
  };
}
