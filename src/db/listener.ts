import pg from 'pg';

export interface ChannelListenerOptions {
  /** PostgreSQL to LISTEN on: a connection of its own, outside the pool. */
  url: string;
  channel: string;
  applicationName: string;
  onNotify: (payload: string) => void;
  /** Listening (again): anything announced while it was not is unknown to the process. */
  onListening: () => void;
  /** The connection is gone; it is retried with backoff (0.5 s doubling to 30 s). */
  onLost: (why: unknown) => void;
}

export interface ChannelListener {
  /** Whether the LISTEN connection is up now. */
  listening(): boolean;
  /** Settles after the first attempt to listen, up or not. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * A LISTEN on one channel that keeps itself up: how a change made by one
 * process (an API key revoked, a runtime setting changed) reaches every other
 * process at once. The owner decides what to do while it is down.
 */
export function listenToChannel(options: ChannelListenerOptions): ChannelListener {
  let listening = false;
  let closed = false;
  let client: pg.Client | undefined;
  let retryMs = 500;
  /**
   * Stops a client's events, but keeps an 'error' listener: a server shutting
   * down sends "terminating connection" (57P01) to a client that is still
   * ending, and an 'error' event with no listener crashes the process.
   */
  const quiet = (old: pg.Client | undefined) => {
    old?.removeAllListeners();
    old?.on('error', () => undefined);
  };
  const lost = (why: unknown) => {
    if (!listening && client === undefined) return;
    listening = false;
    const old = client;
    client = undefined;
    quiet(old);
    void old?.end().catch(() => undefined);
    options.onLost(why);
    if (!closed) setTimeout(listen, retryMs).unref();
    retryMs = Math.min(retryMs * 2, 30_000);
  };
  async function listen(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName });
    client = next;
    next.on('error', lost);
    next.on('end', () => lost(new Error('connection ended')));
    next.on('notification', (message) => {
      if (message.channel === options.channel && message.payload !== undefined) options.onNotify(message.payload);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
      listening = true;
      retryMs = 500;
      options.onListening();
    } catch (error) {
      lost(error);
    }
  }
  const ready = listen();
  return {
    listening: () => listening,
    ready,
    async close() {
      closed = true;
      await ready;
      const open = client;
      client = undefined;
      listening = false;
      quiet(open);
      await open?.end().catch(() => undefined);
    },
  };
}
