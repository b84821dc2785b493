import type { AdapterOptions } from '@layercache/core';

type Meter = NonNullable<AdapterOptions['meter']>;

/**
 * Names of the OpenTelemetry counters the Redis near cache records through the factory's
 * `meter`. Each measurement carries `layercache.cache: "redis"`.
 *
 * | instrument | counts |
 * |---|---|
 * | `layercache.near.hits` | `contains` / `meta` answered in process |
 * | `layercache.near.misses` | `contains` / `meta` sent to Redis |
 * | `layercache.near.invalidations` | keys Redis said changed (a flush of all keys counts one) |
 * | `layercache.near.flushes` | times the whole near cache was dropped (reset, failed fence, `clear`) |
 *
 * @example
 * ```ts
 * import { NEAR_METRICS } from '@layercache/redis';
 * // near hit ratio: rate(layercache.near.hits) / (rate(hits) + rate(layercache.near.misses))
 * console.log(NEAR_METRICS.hits); // "layercache.near.hits"
 * ```
 */
export const NEAR_METRICS = Object.freeze({
  hits: 'layercache.near.hits',
  misses: 'layercache.near.misses',
  invalidations: 'layercache.near.invalidations',
  flushes: 'layercache.near.flushes',
} as const);

/** The near cache's counters; all no-ops without a meter, so the hot path pays one call. */
export interface NearCounters {
  hit(): void;
  miss(): void;
  invalidations(count: number): void;
  flush(): void;
}

const ATTRIBUTES = Object.freeze({ 'layercache.cache': 'redis' });
const NOTHING = () => {};

export function nearCounters(meter: Meter | undefined): NearCounters {
  if (meter === undefined) {
    return { hit: NOTHING, miss: NOTHING, invalidations: NOTHING, flush: NOTHING };
  }
  const counter = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{call}' });
  const hits = counter(NEAR_METRICS.hits, 'Calls answered by the near cache');
  const misses = counter(NEAR_METRICS.misses, 'Calls the near cache sent to Redis');
  const invalidated = counter(NEAR_METRICS.invalidations, 'Invalidations received from Redis');
  const flushes = counter(NEAR_METRICS.flushes, 'Times the near cache was dropped whole');
  return {
    hit: () => hits.add(1, ATTRIBUTES),
    miss: () => misses.add(1, ATTRIBUTES),
    invalidations: (count) => invalidated.add(count, ATTRIBUTES),
    flush: () => flushes.add(1, ATTRIBUTES),
  };
}
