import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import { openDriver } from './connection.js';
import { createKeyLayout } from './keys.js';
import { withNearCache } from './near/index.js';
import type { RedisCacheOptions } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { createRedisStore } from './store.js';

export type { IoredisClient, NodeRedisClient } from './clients.js';
export { type ConfirmRevocations, RevocationUnconfirmedError } from './confirm/index.js';
export { NEAR_METRICS, type NearCacheOptions } from './near/index.js';
export {
  type ClusterNodeAddress,
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
 * `commandTimeoutMs` plus ⌈`commandTimeoutMs` / 8⌉ ms, and the cache recovers by itself when
 * Redis does.
 *
 * No error it throws or rejects with — message, `cause`, any property — holds a password or TLS
 * key from `url`, `redis`, `cluster` or a borrowed client's options; connection failures name
 * what failed and where (`connect ECONNREFUSED 127.0.0.1:6379`, `WRONGPASS for user "cache"`,
 * `TLS: certificate is not valid for host "…"`, `NOPERM …`).
 *
 * @throws InvalidArgumentError when an option is unknown (with a suggestion: `ttl` → `ttlMs`) or
 *   invalid (`argument` names it, the message the type received).
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
  const { commandTimeoutMs, meter, near } = resolved;
  const driver = openDriver(resolved);
  const store = createRedisStore(driver, resolved);
  // Near cache hook: wraps the store when `near` is set (src/near). Options refuse it where the
  // driver has no tracking link (node-redis, a Cluster).
  const tracking = driver.tracking;
  const wrapped =
    near === undefined || tracking === undefined
      ? store
      : withNearCache(store, {
          near,
          tracking,
          keys: createKeyLayout(resolved.keyPrefix),
          keyPrefix: resolved.keyPrefix,
          commandTimeoutMs,
          meter,
        });
  // Core bounds every call (the wait for the connection included) and records the metrics.
  return createLayerInfoCache(wrapped, { name: 'redis', timeoutMs: commandTimeoutMs, meter });
}
