import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import { openConnection } from './connection.js';
import { type RedisCacheOptions, resolveOptions } from './options.js';
import { createRedisStore } from './store.js';

export { RedisTimeoutError } from './deadline.js';
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  type RedisCacheOptions,
} from './options.js';

/**
 * Creates a layer-info cache in Redis — standalone, Sentinel or Cluster — shared by every
 * registry process that uses the same Redis and `keyPrefix`.
 *
 * Given `url`, `redis` or `cluster`, the cache creates the connection and closes it on
 * `close()`; given `client`, it borrows it and never closes it. The cache can be used at once:
 * the first calls wait for the connection, bounded by `commandTimeoutMs`. Every failure (Redis
 * down, slow, a foreign value of the wrong type) rejects with `UnavailableError` within
 * `commandTimeoutMs` plus an eighth, and the cache recovers by itself when Redis does.
 *
 * @throws InvalidArgumentError when an option is invalid (`argument` names it).
 *
 * @example
 * ```ts
 * import { createRedisCache } from '@layercache/redis';
 *
 * await using cache = createRedisCache({ url: 'redis://redis:6379', ttlMs: 3_600_000 });
 * await cache.add('library/alpine', digest);
 * await cache.contains('library/alpine', digest); // true
 * ```
 *
 * @example Borrowing a Cluster client
 * ```ts
 * import { Cluster } from 'ioredis';
 *
 * const client = new Cluster(nodes, { enableAutoPipelining: true });
 * const cache = createRedisCache({ client, keyPrefix: 'registry-a:' });
 * ```
 */
export function createRedisCache(options: RedisCacheOptions): LayerInfoCache {
  const resolved = resolveOptions(options);
  return createLayerInfoCache(
    createRedisStore(openConnection(options, resolved.commandTimeoutMs), resolved),
    {
      name: 'redis',
    },
  );
}
