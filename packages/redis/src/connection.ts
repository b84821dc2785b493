import { InvalidArgumentError } from '@layercache/core';
import { Cluster, Redis } from 'ioredis';
import { urlCredentials } from './credentials.js';
import type { RedisCacheOptions } from './options.js';
import { createRedactor, redactUrl, sanitizeError } from './redact.js';
import type { RedisConnection } from './store.js';
import { watchClient } from './watch.js';

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
  options: Pick<RedisCacheOptions, 'client' | 'url' | 'redis' | 'cluster'>,
  commandTimeoutMs: number,
): RedisConnection {
  if (options.client !== undefined) {
    const client = options.client;
    return { client, owned: false, watch: watchClient(client, false, commandTimeoutMs) };
  }
  let client: Redis | Cluster;
  try {
    client = createClient(options, commandTimeoutMs);
  } catch (error) {
    // ioredis may quote its options or the URL; the caller gets neither credential.
    const argument =
      options.cluster !== undefined ? 'cluster' : options.redis !== undefined ? 'redis' : 'url';
    const redactor = createRedactor(options.url === undefined ? [] : urlCredentials(options.url));
    const safe = sanitizeError(error, redactor);
    throw new InvalidArgumentError(
      argument,
      `createRedisCache: ${argument} was refused by ioredis: ${safe.message}` +
        (options.url === undefined ? '' : ` (${redactUrl(options.url)})`),
      { cause: safe },
    );
  }
  // Also the cache's 'error' listener: failures reach callers as rejected calls, and without a
  // listener ioredis would print every connection error of an owned client to stderr.
  return { client, owned: true, watch: watchClient(client, true, commandTimeoutMs) };
}

function createClient(
  options: Pick<RedisCacheOptions, 'url' | 'redis' | 'cluster'>,
  commandTimeoutMs: number,
): Redis | Cluster {
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
  return client;
}
