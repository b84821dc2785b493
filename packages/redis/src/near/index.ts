import type { AdapterOptions, LayerInfoStore } from '@layercache/core';
import type { Cluster, Redis } from 'ioredis';
import { createIoredisLink } from './ioredis-link.js';
import type { NearReads } from './link.js';
import { nearCounters } from './metrics.js';
import { createNearStore } from './near-store.js';
import type { ResolvedNearOptions } from './options.js';

export { NEAR_METRICS } from './metrics.js';
export { type NearCacheOptions, type ResolvedNearOptions, resolveNearOptions } from './options.js';

/** What `createRedisCache` hands over when `near` is set. */
export interface NearSetup {
  readonly near: ResolvedNearOptions;
  /** The store's client; never a Cluster (refused when options are read). */
  readonly client: Redis | Cluster;
  readonly keys: { membership(repo: string): string; meta(digest: string): string };
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  readonly meter: AdapterOptions['meter'];
}

/** Puts the near cache in front of the Redis store. */
export function withNearCache(store: LayerInfoStore & NearReads, setup: NearSetup): LayerInfoStore {
  const client = setup.client as Redis;
  return createNearStore(
    store,
    store,
    (events) =>
      createIoredisLink(client, events, {
        probePrefix: `${setup.keyPrefix}near-probe:`,
        timeoutMs: setup.commandTimeoutMs,
      }),
    {
      max: setup.near.max,
      maxStalenessMs: setup.near.maxStalenessMs,
      keys: setup.keys,
      counters: nearCounters(setup.meter),
    },
  );
}
