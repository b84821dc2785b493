import type { AdapterOptions, LayerInfoStore } from '@layercache/core';
import type { Cluster, Redis } from 'ioredis';
import { createIoredisClusterLink } from './cluster-link.js';
import { createIoredisLink } from './ioredis-link.js';
import type {
  NearReads,
  TrackingEvents,
  TrackingLink,
  TrackingLinkFactory,
  TrackingLinkOptions,
} from './link.js';
import { nearCounters } from './metrics.js';
import { createNearStore } from './near-store.js';
import type { ResolvedNearOptions } from './options.js';

export { NEAR_METRICS } from './metrics.js';
export { type NearCacheOptions, type ResolvedNearOptions, resolveNearOptions } from './options.js';

/** What `createRedisCache` hands over when `near` is set. */
export interface NearSetup {
  readonly near: ResolvedNearOptions;
  /** The connection's tracking link (the driver's). */
  readonly tracking: (options: TrackingLinkOptions) => TrackingLinkFactory;
  readonly keys: { membership(repo: string): string; meta(digest: string): string };
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  readonly meter: AdapterOptions['meter'];
}

interface SharedLink {
  readonly link: TrackingLink;
  readonly listeners: Set<TrackingEvents>;
}

// One tracking link per client: a connection has one tracking redirect, and two near caches on
// one borrowed client would each turn tracking off and on for their own subscriber, forever.
const links = new WeakMap<object, SharedLink>();

/** The tracking link of an ioredis client (standalone or Sentinel), shared by its near caches. */
export function sharedIoredisLink(
  client: Redis,
  options: TrackingLinkOptions,
): TrackingLinkFactory {
  return sharedLink(client, (events) => createIoredisLink(client, events, options));
}

/** The tracking links of an ioredis Cluster's masters (cluster-link.ts), shared likewise. */
export function sharedIoredisClusterLink(
  client: Cluster,
  options: TrackingLinkOptions,
): TrackingLinkFactory {
  return sharedLink(client, (events) => createIoredisClusterLink(client, events, options));
}

/**
 * One link per client, opened by the first near cache on it and closed by the last one, whatever
 * its library (the node-redis driver shares its own link through this too).
 */
export function sharedLink(
  client: object,
  create: (events: TrackingEvents) => TrackingLink,
): TrackingLinkFactory {
  return (events) => {
    let shared = links.get(client);
    if (shared === undefined) {
      const listeners = new Set<TrackingEvents>();
      const link = create({
        invalidate: (keys) => {
          for (const listener of listeners) listener.invalidate(keys);
        },
        reset: (reason) => {
          for (const listener of listeners) listener.reset(reason);
        },
      });
      shared = { link, listeners };
      links.set(client, shared);
    }
    const { link, listeners } = shared;
    listeners.add(events);
    return {
      get ready() {
        return link.ready;
      },
      fence: () => link.fence(),
      async close() {
        if (!listeners.delete(events) || listeners.size > 0) return;
        links.delete(client);
        await link.close();
      },
    };
  };
}

/** Puts the near cache in front of the Redis store. */
export function withNearCache(store: LayerInfoStore & NearReads, setup: NearSetup): LayerInfoStore {
  return createNearStore(
    store,
    store,
    setup.tracking({
      probePrefix: `${setup.keyPrefix}near-probe:`,
      timeoutMs: setup.commandTimeoutMs,
    }),
    {
      max: setup.near.max,
      maxStalenessMs: setup.near.maxStalenessMs,
      // Keys are a fixed prefix followed by the repository or digest (keys.ts).
      keys: { membershipPrefix: setup.keys.membership(''), metaPrefix: setup.keys.meta('') },
      counters: nearCounters(setup.meter),
    },
  );
}
