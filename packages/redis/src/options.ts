import { InvalidArgumentError } from '@layercache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { isCluster } from './client.js';

/**
 * Options of {@link createRedisCache}. Give exactly one way to reach Redis: `client` (borrowed),
 * or `url`, `redis` or `cluster` (the cache creates the connection and owns it).
 */
export interface RedisCacheOptions {
  /**
   * An ioredis `Redis` or `Cluster` client (including one connected through Sentinel) that the
   * cache **borrows**: it is used as it is and never closed. Enable `enableAutoPipelining` on it
   * for throughput; it must not have an ioredis `keyPrefix` (use this cache's `keyPrefix`). A
   * Cluster must read from masters (`scaleReads: 'master'`, the ioredis default) and a Sentinel
   * client must not use `role: 'slave'`: a replica may still hold a membership `remove()` has
   * just revoked. Default: none.
   */
  readonly client?: Redis | Cluster;
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://…`: the cache creates a standalone
   * connection and closes it on `close()`. Combined with `redis` when both are given.
   * Default: none.
   */
  readonly url?: string;
  /**
   * ioredis options for a standalone or Sentinel connection the cache creates and owns, e.g.
   * `{ sentinels: [{ host, port }], name: 'mymaster' }`. The cache overrides
   * `enableAutoPipelining` (on), `commandTimeout` (`commandTimeoutMs`), `maxRetriesPerRequest`
   * (1) and `lazyConnect` (off).
   * Default: none.
   */
  readonly redis?: RedisOptions;
  /**
   * A Redis Cluster the cache connects to and owns: its startup nodes and ioredis Cluster
   * options. The cache overrides `enableAutoPipelining` (on), `lazyConnect` (off), `scaleReads`
   * (`'master'`; any other value is rejected: a replica may still hold a membership `remove()`
   * has just revoked), and in `redisOptions` `commandTimeout` (`commandTimeoutMs`) and
   * `maxRetriesPerRequest` (1). Default: none.
   */
  readonly cluster?: {
    readonly nodes: readonly ClusterNode[];
    readonly options?: ClusterOptions;
  };
  /**
   * Prepended to every key, so several registries (or caches) can share one Redis. Caches with
   * different prefixes never see or clear each other's entries. Default: `"layercache:"`.
   */
  readonly keyPrefix?: string;
  /**
   * Lifetime of a membership or meta in milliseconds after its last write, timed by the client's
   * `Date.now()`. Default: undefined (nothing expires).
   */
  readonly ttlMs?: number;
  /**
   * Every call rejects with `UnavailableError` when Redis has not answered within this many
   * milliseconds (plus at most an eighth of it): also while the first connection is being made
   * and while Redis is unreachable. Default: 1000.
   */
  readonly commandTimeoutMs?: number;
}

/** The options after validation, with defaults applied. */
export interface ResolvedRedisCacheOptions {
  readonly keyPrefix: string;
  readonly ttlMs: number | undefined;
  readonly commandTimeoutMs: number;
}

export const DEFAULT_KEY_PREFIX = 'layercache:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const MAX_KEY_PREFIX_LENGTH = 1024;
// setTimeout's limit; also far beyond any sensible cache lifetime check.
const MAX_TIMER_MS = 2_147_483_647;

// Why reads must go to masters: Redis replicates asynchronously, so a replica can still hold a
// membership a remove() has just revoked on the master, and contains() would answer true — the
// wrong positive this package exists to avoid.
const REPLICA_READS =
  'because a replica may still hold a membership that remove() has just revoked on the master ' +
  '(replication is asynchronous) and contains() would wrongly answer true';

function fail(argument: string, problem: string): never {
  throw new InvalidArgumentError(argument, `createRedisCache: ${argument} ${problem}`);
}

/** Checks every option once, at construction, so a misconfiguration never surfaces as an outage. */
export function resolveOptions(options: RedisCacheOptions): ResolvedRedisCacheOptions {
  if (typeof options !== 'object' || options === null) {
    fail('options', 'must be an object');
  }
  const { client, url, redis, cluster, keyPrefix, ttlMs, commandTimeoutMs } = options;
  const sources = [client, url ?? redis, cluster].filter((source) => source !== undefined);
  if (sources.length === 0) {
    fail('url', 'is required unless client, redis or cluster is given');
  }
  if (sources.length > 1) {
    fail(client !== undefined ? 'client' : 'cluster', 'cannot be combined with url or redis');
  }
  if (client !== undefined) checkClient(client);
  if (url !== undefined) {
    if (typeof url !== 'string') fail('url', 'must be a string');
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      fail('url', `is not a URL: ${JSON.stringify(url)}`);
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      fail('url', `must start with redis:// or rediss://, got ${JSON.stringify(protocol)}`);
    }
  }
  if (redis !== undefined && (typeof redis !== 'object' || redis === null)) {
    fail('redis', 'must be an ioredis options object');
  }
  if (redis?.keyPrefix) fail('redis', 'must not set keyPrefix: use the keyPrefix option');
  if (redis?.role === 'slave') fail('redis', `must not set role "slave", ${REPLICA_READS}`);
  if (cluster !== undefined) {
    if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes)) {
      fail('cluster', 'must be { nodes, options? }');
    }
    if (cluster.nodes.length === 0) fail('cluster', 'needs at least one startup node');
    if (cluster.options?.keyPrefix || cluster.options?.redisOptions?.keyPrefix) {
      fail('cluster', 'must not set keyPrefix: use the keyPrefix option');
    }
    const scaleReads = cluster.options?.scaleReads;
    if (scaleReads !== undefined && scaleReads !== 'master') {
      fail('cluster', `options.scaleReads must be "master" (or left out), ${REPLICA_READS}`);
    }
  }
  if (keyPrefix !== undefined) {
    if (typeof keyPrefix !== 'string') fail('keyPrefix', 'must be a string');
    if (keyPrefix.length > MAX_KEY_PREFIX_LENGTH) {
      fail('keyPrefix', `must be at most ${MAX_KEY_PREFIX_LENGTH} characters`);
    }
  }
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    fail('ttlMs', `must be a positive integer number of milliseconds, got ${String(ttlMs)}`);
  }
  if (
    commandTimeoutMs !== undefined &&
    !(
      typeof commandTimeoutMs === 'number' &&
      Number.isFinite(commandTimeoutMs) &&
      commandTimeoutMs > 0 &&
      commandTimeoutMs <= MAX_TIMER_MS
    )
  ) {
    fail(
      'commandTimeoutMs',
      `must be a positive number of milliseconds, got ${String(commandTimeoutMs)}`,
    );
  }
  return {
    keyPrefix: keyPrefix ?? DEFAULT_KEY_PREFIX,
    ttlMs,
    commandTimeoutMs: commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };
}

function checkClient(client: unknown): void {
  const candidate = client as Partial<Redis> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.zscore !== 'function' ||
    typeof candidate.status !== 'string'
  ) {
    fail('client', 'must be an ioredis Redis or Cluster instance');
  }
  // An ioredis keyPrefix is added to command keys but not to SCAN patterns, so clear() would
  // miss or mangle keys: refuse it rather than half-support it.
  const options = (candidate as { options?: RedisOptions & ClusterOptions }).options;
  if (options?.keyPrefix || options?.redisOptions?.keyPrefix) {
    fail(
      'client',
      'must not have an ioredis keyPrefix: pass keyPrefix to createRedisCache instead',
    );
  }
  // Checked as configured: a borrowed client whose options are changed later is the caller's
  // responsibility (ioredis reads scaleReads on every command).
  if (isCluster(candidate)) {
    const scaleReads = options?.scaleReads;
    if (scaleReads !== undefined && scaleReads !== 'master') {
      const shown = typeof scaleReads === 'function' ? 'a function' : JSON.stringify(scaleReads);
      fail(
        'client',
        `is a Cluster with scaleReads ${shown}; it must be "master", ${REPLICA_READS}`,
      );
    }
  } else if (options?.role === 'slave') {
    fail('client', `is connected to a replica (role "slave"); use the master, ${REPLICA_READS}`);
  }
}
