import { InvalidArgumentError, isInvalidArgumentError } from '@layercache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { urlCredentials } from '../credentials.js';
import { loadLibrary } from '../load.js';
import { IOREDIS_OWNED_SETTINGS, type OwnedSetting, withOwnedSettings } from '../owned.js';
import { createRedactor, redactUrl, sanitizeError } from '../redact.js';
import type { RedisConnection } from './driver.js';
import { watchClient } from './watch.js';

/** How to reach Redis with ioredis: a borrowed client, or what an owned one is made from. */
export interface IoredisSource {
  readonly client?: Redis | Cluster | undefined;
  readonly url?: string | undefined;
  readonly redis?: RedisOptions | undefined;
  readonly cluster?:
    | { readonly nodes: readonly ClusterNode[]; readonly options?: ClusterOptions | undefined }
    | undefined;
}

/**
 * Borrows the caller's client, or creates one the cache owns, with the settings the adapter
 * relies on ({@link IOREDIS_OWNED_SETTINGS}; the README renders them). A Cluster's
 * `enableOfflineQueue` stays as given: the store never hands a command to a Cluster that is not
 * ready, and without it ioredis would reject commands for node connections still being opened.
 */
export function openConnection(options: IoredisSource, commandTimeoutMs: number): RedisConnection {
  if (options.client !== undefined) {
    const client = options.client;
    return { client, owned: false, watch: watchClient(client, false, commandTimeoutMs) };
  }
  let client: Redis | Cluster;
  try {
    client = createClient(options, commandTimeoutMs);
  } catch (error) {
    if (isInvalidArgumentError(error)) throw error;
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

function createClient(options: IoredisSource, commandTimeoutMs: number): Redis | Cluster {
  const { Cluster, Redis } = loadLibrary<typeof import('ioredis')>('ioredis');
  const owned = (given: object | undefined, connection: OwnedSetting['connection']) =>
    withOwnedSettings(given, IOREDIS_OWNED_SETTINGS, connection, commandTimeoutMs);
  if (options.cluster !== undefined) {
    const given = options.cluster.options;
    return new Cluster([...options.cluster.nodes], {
      ...owned(given, 'cluster'),
      redisOptions: owned(given?.redisOptions, 'cluster nodes'),
    });
  }
  const redisOptions = owned(options.redis, 'standalone');
  return options.url !== undefined ? new Redis(options.url, redisOptions) : new Redis(redisOptions);
}
