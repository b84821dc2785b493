import { bounded } from '../bounded.js';
import type { TrackingEvents, TrackingLink, TrackingLinkOptions } from './link.js';

/** The Pub/Sub channel Redis publishes invalidations on in redirect mode (RESP2). */
export const INVALIDATION_CHANNEL = '__redis__:invalidate';
// A set-up that failed is retried after this, doubling up to the maximum.
const RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/** The store's connection, as the redirect needs it from a client library. */
export interface RedirectedConnection {
  /** Commands sent now reach the connection (no reconnect in progress). */
  isReady(): boolean;
  /** Sends one command on that connection. */
  send(args: readonly string[]): Promise<unknown>;
  /**
   * Which socket of the client is current (node-redis' `socketEpoch`); `undefined` where the
   * library reports every new socket by an event the link resets at.
   */
  socket(): unknown;
}

/** How a redirect is set up and checked (the library's link options). */
export interface RedirectOptions extends TrackingLinkOptions {
  /**
   * The probe key of a set-up (default: a fresh key under `probePrefix`). On a Cluster node it
   * must live in a slot the node serves, or the node answers MOVED; `undefined`: none can be
   * named now, the set-up fails and is retried.
   */
  readonly probeKey?: () => string | undefined;
  /**
   * What the server says of the topology, read on the store's connection at set-up and with
   * every fence (a Cluster node's slot map): a fence whose answer differs from the set-up's, or
   * that rejects, fails and resets (see cluster-link.ts).
   */
  readonly view?: () => Promise<string>;
}

/** The subscriber tracking is redirected to, once it is subscribed to the channel. */
export interface RedirectTarget {
  /** Its `CLIENT ID`. */
  readonly id: number;
  ping(): Promise<unknown>;
}

/** What the library's link does at the redirect's turns. */
export interface RedirectHooks {
  /** A set-up failed (called after a back-off): open a new subscriber, or reconnect it. */
  replace(): void;
  /** The link closes: stop listening to the client (first). */
  detach(): void;
  /** The link closes: close the subscriber (last, once tracking is off). */
  release(): Promise<void> | void;
}

/**
 * The state of one redirect, written once for both libraries: the library's link is this, driven
 * by its connections' events.
 */
export interface Redirect extends TrackingLink {
  /** Tracking may have missed invalidations: nothing read before is to be kept. */
  reset(reason: string): void;
  /** A subscriber is ready to be redirected to (tracking is set up into it), or is gone. */
  target(target: RedirectTarget | undefined): void;
  /** Turns tracking on again, as after the store connection reconnected. */
  establish(): Promise<void>;
  /** Calls {@link RedirectHooks.replace} after a back-off: a set-up failed. */
  later(): void;
  /** A message on {@link INVALIDATION_CHANNEL}: the keys, or anything else for every key. */
  message(keys: unknown): void;
  /** Any command of the link answers within the link's timeout, or fails. */
  within<T>(pending: Promise<T>): Promise<T>;
  readonly closed: boolean;
}

/**
 * Redirect-mode client-side caching over one store connection `store` and the subscriber the
 * library opens and reports through {@link Redirect.target}. Setting up proves the redirect end to
 * end — the store connection reads and writes a probe key and the subscriber must receive its
 * invalidation — so the two connections are known to be on the same server (after a Sentinel
 * failover one may not be yet). A fence is `CLIENT TRACKINGINFO` on the store connection and
 * `PING` on the subscriber, sent together: see near-store.ts for why that proves every earlier
 * invalidation arrived. After a failed set-up the library replaces its subscriber, which may reach
 * the server the store connection is on now.
 */
export function createRedirect(
  store: RedirectedConnection,
  events: TrackingEvents,
  options: RedirectOptions,
  hooks: RedirectHooks,
): Redirect {
  let closed = false;
  let ready = false;
  // Bumped by every reset: an answer that arrives in a later generation proves nothing.
  let generation = 0;
  let current: RedirectTarget | undefined;
  // The store connection's socket tracking was confirmed on, and the topology it saw then.
  let trackedSocket: unknown;
  let baseline: string | undefined;
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

  const within = <T>(pending: Promise<T>) =>
    bounded(pending, options.timeoutMs, 'tracking link timed out');

  function later(): void {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      // A set-up that succeeded meanwhile (the store connection came up) needs no new subscriber.
      if (!ready) hooks.replace();
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
    if (closed || current === undefined || !store.isReady()) return;
    // Tracking is turned off first: reads kept so far would no longer be tracked.
    if (ready) reset('tracking re-established');
    const at = generation;
    const { id } = current;
    const socket = store.socket();
    const probe =
      options.probeKey === undefined
        ? `${options.probePrefix}${Math.random().toString(36).slice(2)}`
        : options.probeKey();
    try {
      if (probe === undefined) throw new Error('no probe key in a slot of this node');
      await within(store.send(['CLIENT', 'TRACKING', 'off']));
      await within(store.send(['CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)]));
      const seen = new Promise<void>((resolve) => probes.set(probe, resolve));
      await within(store.send(['GET', probe]));
      await within(store.send(['SET', probe, '1', 'PX', '10000']));
      await within(seen);
      // Read after the probe: a topology change before it is caught by the first fence.
      const view = options.view === undefined ? undefined : await within(options.view());
      if (at === generation && !closed && socket === store.socket()) {
        trackedSocket = socket;
        baseline = view;
        ready = true;
        retryMs = RETRY_MS;
      }
    } catch {
      if (at === generation) later();
    } finally {
      if (probe !== undefined) probes.delete(probe);
    }
  }

  return {
    get ready() {
      return ready;
    },
    get closed() {
      return closed;
    },
    reset,
    within,
    later,
    establish,

    target(target) {
      if (target === undefined) {
        if (current === undefined) return;
        current = undefined;
        reset('invalidation connection closed');
        return;
      }
      current = target;
      void establish();
    },

    message(keys) {
      if (!Array.isArray(keys)) {
        events.invalidate(null);
        return;
      }
      const names = keys.map(String);
      for (const name of names) probes.get(name)?.();
      events.invalidate(names);
    },

    async fence() {
      if (!ready || current === undefined) return false;
      const at = generation;
      const { id } = current;
      let info: unknown;
      let view: string | undefined;
      try {
        [info, view] = await within(
          Promise.all([store.send(['CLIENT', 'TRACKINGINFO']), options.view?.(), current.ping()]),
        );
      } catch {
        return false;
      }
      if (at !== generation) return false;
      const { flags, redirect } = readTrackingInfo(info);
      const tracking =
        flags.includes('on') &&
        !flags.includes('broken_redirect') &&
        redirect === id &&
        trackedSocket === store.socket();
      if (tracking && view === baseline) return true;
      // Tracking is off or points elsewhere (or at another socket), or the topology changed:
      // invalidations may have been lost (or will be sent by a node we do not track); start again.
      reset(
        tracking
          ? 'the topology changed'
          : `tracking is not on as set up (flags ${flags.join(',')})`,
      );
      void establish();
      return false;
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      hooks.detach();
      current = undefined;
      reset('closed');
      if (store.isReady()) {
        await within(store.send(['CLIENT', 'TRACKING', 'off'])).catch(() => {});
      }
      await hooks.release();
    },
  };
}

/**
 * `CLIENT TRACKINGINFO` as a flat array (RESP2), a Map (ioredis 6's RESP3 types) or a plain object
 * (node-redis on RESP3).
 */
function readTrackingInfo(info: unknown): { flags: string[]; redirect: number | undefined } {
  let fields: Record<string, unknown> = {};
  if (Array.isArray(info)) {
    for (let index = 0; index + 1 < info.length; index += 2) {
      fields[String(info[index])] = info[index + 1];
    }
  } else if (info instanceof Map) {
    fields = Object.fromEntries(info);
  } else if (typeof info === 'object' && info !== null) {
    fields = info as Record<string, unknown>;
  }
  // RESP3 reply types give the flags as a Set.
  const flags =
    Array.isArray(fields.flags) || fields.flags instanceof Set ? [...fields.flags].map(String) : [];
  const redirect = fields.redirect === undefined ? undefined : Number(fields.redirect);
  return { flags, redirect };
}
