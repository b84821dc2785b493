import { Cluster, Redis } from 'ioredis';
import type { RedisCacheOptions } from './options.js';
import type { RedisConnection } from './store.js';

/**
 * Borrows the caller's client, or creates one the cache owns. Owned clients get the settings the
 * adapter relies on: auto-pipelining (64 calls in flight cost a few round trips, not 64);
 * ioredis' own `commandTimeout` set to `commandTimeoutMs` (cheaper than the store's fallback
 * deadline, and it also frees the command inside ioredis); `maxRetriesPerRequest: 1` (for a
 * Cluster, on its nodes) so that commands parked while Redis is down are failed after one
 * reconnection attempt instead of piling up; `lazyConnect: false`; and for a Cluster
 * `scaleReads: 'master'`. A Cluster's `enableOfflineQueue` stays as given: the store never hands
 * a command to a Cluster that is not ready, and without it ioredis would reject commands for
 * node connections still being opened. The README lists these overrides; keep it in step.
 */
export function openConnection(
  options: RedisCacheOptions,
  commandTimeoutMs: number,
): RedisConnection {
  if (options.client !== undefined) return { client: options.client, owned: false };
  let client: Redis | Cluster;
  if (options.cluster !== undefined) {
    client = new Cluster([...options.cluster.nodes], {
      ...options.cluster.options,
      redisOptions: {
        ...options.cluster.options?.redisOptions,
        commandTimeout: commandTimeoutMs,
        maxRetriesPerRequest: 1,
      },
      enableAutoPipelining: true,
      lazyConnect: false,
      // Reads from replicas could answer true right after a remove (replication is
      // asynchronous); resolveOptions rejects any other value, this makes the default explicit.
      scaleReads: 'master',
    });
  } else {
    const redisOptions = {
      ...options.redis,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
      lazyConnect: false,
    };
    client =
      options.url !== undefined ? new Redis(options.url, redisOptions) : new Redis(redisOptions);
  }
  // Failures reach callers as rejected calls; without a listener ioredis would also print every
  // connection error of an owned client to stderr.
  client.on('error', () => {});
  return { client, owned: true };
}
