import type { TrackingEvents, TrackingLink, TrackingLinkOptions } from '../near/link.js';
import { readTrackingInfo } from '../near/tracking-info.js';

/** The Pub/Sub channel Redis publishes invalidations on in redirect mode (RESP2). */
const CHANNEL = '__redis__:invalidate';
// A set-up that failed is retried after this, doubling up to the maximum.
const RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/** The members of a node-redis 6 connection (`createClient`) the link uses. */
export interface NodeRedisTrackedClient {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  /** Bumped by node-redis each time a new socket becomes ready. */
  readonly socketEpoch?: number;
  readonly options?: { readonly socket?: object };
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides: object): NodeRedisTrackedClient & NodeRedisSubscriber;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The members of the link's own subscriber connection. */
interface NodeRedisSubscriber {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: unknown) => void): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): unknown;
}

type Subscriber = NodeRedisTrackedClient & NodeRedisSubscriber;

/**
 * Client-side caching on node-redis 6 in redirect mode. node-redis delivers RESP3 `invalidate`
 * pushes only to a client created with `emitInvalidate` or `clientSideCache` (which also turn
 * tracking on in its own handshake, without a redirect), and only on RESP3: a borrowed client has
 * neither, and a RESP2 one cannot receive pushes at all. Redirect mode works for every client the
 * cache accepts, on both protocols, the same way as on ioredis (see near/ioredis-link.ts): the
 * store's connection `client` — a standalone node-redis client has one socket, and every command
 * of the store goes through it — runs `CLIENT TRACKING on REDIRECT <id>` to a subscriber of the
 * link's own, on RESP2, subscribed to `__redis__:invalidate`. node-redis' RESP2 decoder hands a
 * message on that channel to the listener as the array of keys (`null` for FLUSHALL), and
 * answers a `PING` sent in Pub/Sub mode in stream order after the messages before it: so a fence
 * (`CLIENT TRACKINGINFO` on `client`, `PING` on the subscriber) proves what it proves on ioredis.
 *
 * The subscriber never reconnects by itself (node-redis would resubscribe before the link could
 * ask the new connection's id, which `CLIENT ID` cannot tell in Pub/Sub mode): a lost one is
 * replaced by a new one. A lost store connection is reconnected by node-redis; tracking is reset
 * at its `error` (node-redis emits it as the socket goes, before any reply of the new socket) and
 * set up again at its `ready`.
 */
export function createNodeRedisLink(
  client: NodeRedisTrackedClient,
  events: TrackingEvents,
  options: TrackingLinkOptions,
): TrackingLink {
  let closed = false;
  let ready = false;
  // Bumped by every reset: an answer that arrives in a later generation proves nothing.
  let generation = 0;
  let subscriber: { readonly connection: Subscriber; readonly id: number } | undefined;
  // The subscriber connection being opened, destroyed if the link closes meanwhile.
  let opening: Subscriber | undefined;
  // The store connection's socket tracking was confirmed on (node-redis' socketEpoch).
  let trackedSocket: number | undefined;
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

  /** Retries a failed set-up later, with a new subscriber connection. */
  function later(): void {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      drop(subscriber?.connection);
      void open();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    retry.unref();
  }

  /** Forgets a subscriber connection (once) and what tracking into it proved. */
  function drop(connection: Subscriber | undefined): void {
    if (connection === undefined) return;
    if (subscriber?.connection === connection) {
      subscriber = undefined;
      reset('invalidation connection closed');
    }
    try {
      connection.destroy();
    } catch {
      // Already closed.
    }
  }

  function onMessage(message: unknown): void {
    if (!Array.isArray(message)) {
      events.invalidate(null);
      return;
    }
    const keys = message.map(String);
    for (const key of keys) probes.get(key)?.();
    events.invalidate(keys);
  }

  /** Opens a subscriber connection, then sets tracking up into it. */
  async function open(): Promise<void> {
    if (closed || opening !== undefined || subscriber !== undefined) return;
    let connection: Subscriber | undefined;
    try {
      connection = opening = client.duplicate({
        RESP: 2,
        // RESP3-only features of a borrowed client would make a RESP2 duplicate throw.
        clientSideCache: undefined,
        emitInvalidate: undefined,
        maintNotifications: 'disabled',
        pingInterval: undefined,
        socket: { ...client.options?.socket, reconnectStrategy: false },
      });
      const created = connection;
      // Any failure ends this subscriber (it does not reconnect); a new one is opened later.
      // The store names the client's own errors; these surface as fences that do not complete.
      const lost = () => {
        const current = subscriber?.connection === created;
        drop(created);
        if (current) later();
      };
      created.on('error', lost);
      created.on('end', lost);
      await within(created.connect());
      // Asked before subscribing: in Pub/Sub mode (RESP2) only PING and (un)subscribe run.
      const id = Number(await within(created.sendCommand(['CLIENT', 'ID'])));
      await within(created.subscribe(CHANNEL, onMessage));
      if (closed || !created.isReady) {
        drop(created);
        return;
      }
      subscriber = { connection: created, id };
    } catch {
      drop(connection);
      later();
      return;
    } finally {
      opening = undefined;
    }
    await establish();
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
    if (closed || subscriber === undefined || !client.isReady) return;
    // Tracking is turned off first: reads kept so far would no longer be tracked.
    if (ready) reset('tracking re-established');
    const at = generation;
    const { id } = subscriber;
    const socket = client.socketEpoch;
    const probe = `${options.probePrefix}${Math.random().toString(36).slice(2)}`;
    try {
      await within(client.sendCommand(['CLIENT', 'TRACKING', 'off']));
      await within(client.sendCommand(['CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)]));
      const seen = new Promise<void>((resolve) => probes.set(probe, resolve));
      await within(client.sendCommand(['GET', probe]));
      await within(client.sendCommand(['SET', probe, '1', 'PX', '10000']));
      await within(seen);
      // A reconnect of the store connection in between is a reset, so `at` tells it too; the
      // socket check covers a client whose `error` came after its new socket was ready.
      if (at === generation && !closed && socket === client.socketEpoch) {
        trackedSocket = socket;
        ready = true;
        retryMs = RETRY_MS;
      }
    } catch {
      if (at === generation) later();
    } finally {
      probes.delete(probe);
    }
  }

  // Every way node-redis reports the store connection lost, each emitted as the socket goes,
  // before anything of the next one is read: `reconnecting` (it retries), `terminated` (it gave
  // up), `end` (closed). The commands in flight on it were rejected; those not yet written go out
  // on the next socket, where tracking is off. Not `error`: the watch (watch.ts) tells from the
  // number of `error` listeners whether a borrowed client's owner has one of their own.
  const onLost = () => {
    reset('connection closed');
    void establish();
  };
  const onReady = () => void (subscriber === undefined ? open() : establish());
  const lost = ['reconnecting', 'terminated', 'end'];
  for (const event of lost) client.on(event, onLost);
  client.on('ready', onReady);
  void open();

  return {
    get ready() {
      return ready;
    },

    async fence() {
      if (!ready || subscriber === undefined) return false;
      const at = generation;
      const { id, connection } = subscriber;
      let info: unknown;
      try {
        [info] = await within(
          Promise.all([client.sendCommand(['CLIENT', 'TRACKINGINFO']), connection.ping()]),
        );
      } catch {
        return false;
      }
      if (at !== generation) return false;
      const { flags, redirect } = readTrackingInfo(info);
      if (
        flags.includes('on') &&
        !flags.includes('broken_redirect') &&
        redirect === id &&
        trackedSocket === client.socketEpoch
      ) {
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
      for (const event of lost) client.off(event, onLost);
      client.off('ready', onReady);
      reset('closed');
      if (client.isReady) {
        await within(client.sendCommand(['CLIENT', 'TRACKING', 'off'])).catch(() => {});
      }
      const connection = subscriber?.connection;
      subscriber = undefined;
      drop(connection);
      drop(opening);
    },
  };
}
