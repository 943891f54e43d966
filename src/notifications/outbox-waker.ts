import { listenToChannel } from '../db/listener.js';
import type { Core } from '../runtime/core.js';
import { createWaker, wakeLoop, type LoopSpec } from '../runtime/loops.js';

/** Notified by the outbox_events trigger when events commit (migrations/2026-11-30T121000_outbox_notify.ts). */
export const OUTBOX_CHANNEL = 'burndown_outbox';

/**
 * The worker's LISTEN on OUTBOX_CHANNEL: each commit that wrote outbox events,
 * from any process, wakes the relay loop (coalesced, see createWaker), so a
 * webhook goes out within moments, not at the next interval. When the
 * connection was lost and is back, the loop is woken once for whatever was
 * written meanwhile; while it is down the loop's fallback timer relays.
 */
export function startOutboxWaker(core: Core, relayLoop: LoopSpec): { close(): Promise<void> } {
  const { config, logger } = core;
  const wake = createWaker(() => wakeLoop(core.temporal, config.TEMPORAL_TASK_QUEUE, relayLoop), { logger, what: 'outbox relay' });
  const listener = listenToChannel({
    url: core.databaseUrl,
    channel: OUTBOX_CHANNEL,
    applicationName: 'burndown-outbox-listener',
    onNotify: wake,
    onListening: wake,
    onLost: (why) => logger.warn({ err: why }, 'outbox listener lost; the relay runs on its fallback timer until it is back'),
  });
  return {
    async close() {
      await listener.close();
      await wake.close();
    },
  };
}
