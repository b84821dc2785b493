import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import { type LruCacheOptions, resolveLruOptions } from './options.js';
import { createLruStore, type LruCacheStats } from './store.js';

export { DEFAULT_MAX, type LruCacheOptions, MIN_MAX_SIZE } from './options.js';
export type { LruCacheStats } from './store.js';

/** A {@link LayerInfoCache} that also reports how full it is. */
export interface LruLayerInfoCache extends LayerInfoCache {
  /**
   * Entries of each kind and their approximate bytes, read at the moment of access. After
   * `close()` everything is zero.
   */
  readonly stats: LruCacheStats;
}

/**
 * Creates a bounded in-process cache on lru-cache: at most `max` memberships and `max` metas
 * (10,000 each by default), optionally at most `maxSize` approximate bytes, optionally expiring
 * entries `ttlMs` after their last write. When full, the least recently used entry of the same
 * kind is evicted; `contains` and `meta` hits count as use.
 *
 * Eviction only ever turns an answer into a miss (`false`, `NotFoundError`), never into a wrong
 * `true`.
 *
 * @throws InvalidArgumentError when an option is invalid (`argument` names it).
 *
 * @example
 * ```ts
 * import { createLruCache } from '@layercache/lru';
 *
 * await using cache = createLruCache({ max: 50_000, ttlMs: 10 * 60_000 });
 * await cache.add('library/alpine', digest);
 * await cache.contains('library/alpine', digest); // true
 * cache.stats.memberships; // 1
 * ```
 */
export function createLruCache(options: LruCacheOptions = {}): LruLayerInfoCache {
  const resolved = resolveLruOptions(options);
  const store = createLruStore(resolved);
  // Both reads are exact lookups (Maps, lru-cache's key map) of keys core validated: anything else
  // misses without touching recency.
  const cache = createLayerInfoCache(store, {
    name: 'lru',
    meter: resolved.meter,
    exactKeyReads: true,
  });
  return Object.defineProperty(cache, 'stats', {
    get: () => store.stats(),
    enumerable: true,
  }) as LruLayerInfoCache;
}
