import { z } from 'zod';
import { changeEnforcementSettings, enforcementSettingsOf } from '../../settings/service.js';
import type { DefineRoute } from '../route.js';
import { problemSchema } from '../schemas/common.js';

const mode = z.enum(['enforce', 'shadow', 'off']);
const rolloutPercent = z.number().int().min(0).max(100);
const ledgerUnavailablePolicy = z.enum(['fail_open', 'fail_closed']);
const origin = z.enum(['database', 'environment']);

const enforcementSettingsSchema = z
  .object({
    mode,
    rolloutPercent,
    ledgerUnavailablePolicy,
    source: z.object({ mode: origin, rolloutPercent: origin, ledgerUnavailablePolicy: origin }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'EnforcementSettings' });

const enforcementPatch = z
  .strictObject({
    mode: mode.nullable().optional().meta({ description: '`off` is the kill switch: it wins over every account’s own mode' }),
    rolloutPercent: rolloutPercent
      .nullable()
      .optional()
      .meta({ description: 'With mode enforce: the share of accounts (by account-id hash) enforced; the others run in shadow' }),
    ledgerUnavailablePolicy: ledgerUnavailablePolicy.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'name at least one setting to change' })
  .meta({ id: 'EnforcementSettingsPatch', description: 'null puts a setting back to the environment’s value' });

const changedSchema = enforcementSettingsSchema
  .extend({
    changes: z.array(
      z.object({
        field: z.enum(['mode', 'rolloutPercent', 'ledgerUnavailablePolicy']),
        from: z.union([z.string(), z.number()]),
        to: z.union([z.string(), z.number()]),
      }),
    ),
  })
  .meta({ id: 'EnforcementSettingsChange' });

/** Runtime flags (R-O2): the global enforcement settings, stored, audited, in force in every process within seconds. */
export function registerSettingsRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/settings/enforcement',
    summary: 'Global enforcement settings',
    description:
      'The mode (enforce, shadow, off: the kill switch), the rollout percentage and the fail-open/fail-closed policy in force, each from the database or, when none is stored, from the environment.',
    tags: ['Settings'],
    scopes: ['admin'],
    access: { global: true },
    responses: { 200: { description: 'The settings in force', schema: enforcementSettingsSchema } },
    handler: async ({ deps }) => ({ status: 200, body: await enforcementSettingsOf(deps) }),
  });

  define({
    method: 'patch',
    path: '/v1/settings/enforcement',
    summary: 'Change the global enforcement settings',
    description:
      'In force in this process when answered and in every API process and worker within 5 s, with no restart. An account’s own enforcement mode still wins, except under mode off. Audited with each change from → to.',
    tags: ['Settings'],
    scopes: ['admin'],
    access: { global: true },
    body: enforcementPatch,
    example: { mode: 'shadow' },
    idempotent: true,
    audit: { action: 'settings.enforcement.change', targetType: 'settings', targetId: 'enforcement' },
    responses: {
      200: { description: 'Changed', schema: changedSchema },
      400: { description: 'Invalid or unknown field', schema: problemSchema },
    },
    handler: async ({ deps, body, actor }) => ({ status: 200, body: await changeEnforcementSettings(deps, body, actor) }),
  });
}
