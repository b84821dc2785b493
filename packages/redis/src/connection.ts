import { InvalidArgumentError } from '@layercache/core';
import { Cluster, Redis } from 'ioredis';
import { urlCredentials } from './credentials.js';
import type { RedisConnection } from './ioredis/driver.js';
import { watchClient } from './ioredis/watch.js';
import type { RedisCacheOptions } from './options.js';
import { IOREDIS_OWNED_SETTINGS, type OwnedSetting, ownedOptions } from './owned.js';
import { createRedactor, redactUrl, sanitizeError } from './redact.js';

/**
 * Borrows the caller's client, or creates one the cache owns, with the settings the adapter
 * relies on ({@link IOREDIS_OWNED_SETTINGS}; the README renders them). A Cluster's
 * `enableOfflineQueue` stays as given: the store never hands a command to a Cluster that is not
 * ready, and without it ioredis would reject commands for node connections still being opened.
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
  const owned = (connection: OwnedSetting['connection']) =>
    ownedOptions(IOREDIS_OWNED_SETTINGS, connection, commandTimeoutMs);
  if (options.cluster !== undefined) {
    return new Cluster([...options.cluster.nodes], {
      ...options.cluster.options,
      redisOptions: { ...options.cluster.options?.redisOptions, ...owned('cluster nodes') },
      ...owned('cluster'),
    });
  }
  const redisOptions = { ...options.redis, ...owned('standalone') };
  return options.url !== undefined ? new Redis(options.url, redisOptions) : new Redis(redisOptions);
}
