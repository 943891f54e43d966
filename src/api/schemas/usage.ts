import { z } from 'zod';

/** Usage events never billed because they arrived late (issue 19), as the usage view and the statement show them. */
export const notBilledSchema = z
  .object({
    lateEventWindowDays: z.number().int(),
    total: z.number().int(),
    events: z.array(
      z.object({
        eventId: z.string(),
        feature: z.string(),
        quantity: z.string().nullable(),
        eventTime: z.string(),
        receivedAt: z.string(),
        reason: z.literal('late_event'),
        detail: z.string(),
      }),
    ),
  })
  .meta({
    id: 'NotBilledEvents',
    description:
      'Usage events that arrived in the range and were never billed: older than `lateEventWindowDays` days (by event time) when they arrived. `events` lists the newest 100; `total` counts them all.',
  });
