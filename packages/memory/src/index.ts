import {
  type AdapterOptions,
  createLayerInfoCache,
  type LayerInfoCache,
  optionalMeter,
  readOptions,
} from '@layercache/core';
import { createMemoryStore } from './store.js';

/** Options of {@link createMemoryCache}: only those every adapter takes. */
export type MemoryCacheOptions = AdapterOptions;

/**
 * Creates an unbounded in-process cache on plain `Map`s (the Go registry's in-memory cache).
 * Nothing expires and nothing is evicted: use `@layercache/lru` when memory must be bounded.
 *
 * @example
 * ```ts
 * import { createMemoryCache } from '@layercache/memory';
 *
 * await using cache = createMemoryCache();
 * await cache.add('library/alpine', digest);
 * await cache.contains('library/alpine', digest); // true
 * ```
 */
export function createMemoryCache(options?: MemoryCacheOptions): LayerInfoCache {
  const { meter } = readOptions('createMemoryCache', options, ['meter']);
  return createLayerInfoCache(createMemoryStore(), {
    name: 'memory',
    meter: optionalMeter('createMemoryCache', 'meter', meter),
    // Both reads are Map lookups of the keys core validated: anything else misses.
    exactKeyReads: true,
  });
}
