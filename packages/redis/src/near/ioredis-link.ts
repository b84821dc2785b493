import type { Redis } from 'ioredis';
import type { TrackingEvents, TrackingLink } from './link.js';
import { readTrackingInfo } from './tracking-info.js';

/** The Pub/Sub channel Redis publishes invalidations on in redirect mode (RESP2). */
const CHANNEL = '__redis__:invalidate';
// A set-up that failed is retried after this, doubling up to the maximum.
const RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

export interface IoredisLinkOptions {
  /** Prefix of the short-lived key the link writes to prove a redirect works. */
  readonly probePrefix: string;
  /** Any command of the link not answered within this is a failure. */
  readonly timeoutMs: number;
}

/**
 * Client-side caching on ioredis in redirect mode, which both majors support: ioredis 5 speaks
 * only RESP2, and ioredis 6 on RESP3 drops push frames it does not know (`invalidate`,
 * `tracking-redir-broken`) without an event. So the store's own connection `client` (which every
 * read of a standalone or Sentinel client goes through) runs `CLIENT TRACKING on REDIRECT <id>`
 * to a subscriber connection of the link's own, on RESP2, subscribed to `__redis__:invalidate`.
 *
 * Setting up proves the redirect end to end — the store connection reads and writes a probe key
 * and the subscriber must receive its invalidation — so the two connections are known to be on
 * the same server (after a Sentinel failover one may not be yet). A fence is `CLIENT
 * TRACKINGINFO` on the store connection and `PING` on the subscriber, sent together: see
 * near-store.ts for why that proves every earlier invalidation arrived.
 */
export function createIoredisLink(
  client: Redis,
  events: TrackingEvents,
  options: IoredisLinkOptions,
): TrackingLink {
  const subscriber = client.duplicate({
    protocol: 2,
    // ioredis 6 refuses RESP3 reply types on RESP2; a borrowed client may have asked for them.
    replyMapping: 'legacy',
    autoResubscribe: false,
    enableAutoPipelining: false,
    lazyConnect: false,
  } as object);
  let closed = false;
  let ready = false;
  // Bumped by every reset: an answer that arrives in a later generation proves nothing.
  let generation = 0;
  let subscriberId: number | undefined;
  // Bumped when the subscriber connection closes: its id from before is gone.
  let subscriberGeneration = 0;
  let establishing = false;
  let again = false;
  let retry: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MS;
  const probes = new Map<string, () => void>();

  function reset(reason: string): void {
    generation += 1;
    ready = false;
    events.reset(reason);
  }

  function within<T>(pending: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('tracking link timed out')), options.timeoutMs);
    });
    return Promise.race([pending, late]).finally(() => clearTimeout(timer));
  }

  /**
   * Starts over after a failed set-up, with a new subscriber connection: after a Sentinel
   * failover the old one may still be on the former master, where no redirect from the store's
   * connection can reach it.
   */
  function later(): void {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (subscriber.status === 'ready') subscriber.disconnect(true);
      else void establish();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    retry.unref();
  }

  /**
   * Runs {@link attempt} one at a time: two overlapping set-ups could turn tracking off while the
   * other has already declared it on.
   */
  async function establish(): Promise<void> {
    if (establishing) {
      again = true;
      return;
    }
    establishing = true;
    try {
      do {
        again = false;
        await attempt();
      } while (again && !closed);
    } finally {
      establishing = false;
    }
  }

  /** Turns tracking on for the current pair of connections and proves it works. */
  async function attempt(): Promise<void> {
    if (closed || subscriberId === undefined || client.status !== 'ready') return;
    // Tracking is turned off first: reads kept so far would no longer be tracked.
    if (ready) reset('tracking re-established');
    const at = generation;
    const id = subscriberId;
    const probe = `${options.probePrefix}${Math.random().toString(36).slice(2)}`;
    try {
      await within(client.call('CLIENT', 'TRACKING', 'off'));
      await within(client.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)));
      const seen = new Promise<void>((resolve) => probes.set(probe, resolve));
      await within(client.get(probe));
      await within(client.set(probe, '1', 'PX', 10_000));
      await within(seen);
      if (at === generation && !closed) {
        ready = true;
        retryMs = RETRY_MS;
      }
    } catch {
      if (at === generation) later();
    } finally {
      probes.delete(probe);
    }
  }

  async function subscribe(): Promise<void> {
    const at = subscriberGeneration;
    try {
      const id = Number(await within(subscriber.client('ID')));
      await within(subscriber.subscribe(CHANNEL));
      if (at !== subscriberGeneration || closed) return;
      subscriberId = id;
      await establish();
    } catch {
      // A subscriber that stayed up is replaced, later (see there).
      if (at === subscriberGeneration) later();
    }
  }

  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
    if (channel.toString() !== CHANNEL) return;
    if (message === null || !Array.isArray(message)) {
      events.invalidate(null);
      return;
    }
    const keys = message.map((key) => key.toString());
    for (const key of keys) probes.get(key)?.();
    events.invalidate(keys);
  });
  subscriber.on('ready', () => void subscribe());
  subscriber.on('close', () => {
    subscriberId = undefined;
    subscriberGeneration += 1;
    reset('invalidation connection closed');
  });
  // Failures surface as fences that do not complete; the store names the client's errors.
  subscriber.on('error', () => {});
  const onClose = () => reset('connection closed');
  const onReady = () => void establish();
  client.on('close', onClose);
  client.on('ready', onReady);

  return {
    get ready() {
      return ready;
    },

    async fence() {
      if (!ready || subscriberId === undefined) return false;
      const at = generation;
      const id = subscriberId;
      let info: unknown;
      try {
        [info] = await within(
          Promise.all([client.call('CLIENT', 'TRACKINGINFO'), subscriber.ping()]),
        );
      } catch {
        return false;
      }
      if (at !== generation) return false;
      const { flags, redirect } = readTrackingInfo(info);
      if (flags.includes('on') && !flags.includes('broken_redirect') && redirect === id) {
        return true;
      }
      // Tracking is off or points elsewhere: invalidations may have been lost; start again.
      reset(`tracking is not on as set up (flags ${flags.join(',')})`);
      void establish();
      return false;
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      client.off('close', onClose);
      client.off('ready', onReady);
      reset('closed');
      if (client.status === 'ready') {
        await within(client.call('CLIENT', 'TRACKING', 'off')).catch(() => {});
      }
      await within(subscriber.quit()).catch(() => subscriber.disconnect());
    },
  };
}
