import type { AdapterOptions } from '@layercache/core';
import type { IoredisClient, NodeRedisClient } from './clients.js';
import type { NearCacheOptions, ResolvedNearOptions } from './near/options.js';

/**
 * Options of {@link createRedisCache}. Give exactly one way to reach Redis: `client` (borrowed),
 * or `url`, `redis` or `cluster` (the cache creates the connection and owns it).
 */
export interface RedisCacheOptions extends AdapterOptions {
  /**
   * A client the cache **borrows**: used as it is and never closed. Either an ioredis `Redis` or
   * `Cluster` (including one connected through Sentinel, major 5 or 6), or a node-redis 6
   * `createClient()`, `createCluster()` or `createSentinel()` client — told apart by their shape.
   * Enable `enableAutoPipelining` on an ioredis client for throughput; it must not have a client
   * `keyPrefix` (use this cache's `keyPrefix`). Reads must go to masters: an ioredis Cluster with
   * `scaleReads` other than `'master'`, a Sentinel client with `role: 'slave'`, and a node-redis
   * cluster with `useReplicas` are rejected (a replica may still hold a membership `remove()` has
   * just revoked); on a node-redis `createSentinel()` client with `replicaPoolSize`, the cache
   * sends its reads to the master. A client that was already closed is rejected, and so is a
   * node-redis `createClientPool()` pool (lend a `createClient()` client). The cache listens to
   * the client's `error` events to name the cause of failures. Default: none.
   */
  readonly client?: IoredisClient | NodeRedisClient;
  /**
   * The client library of a connection the cache creates from `url`, `redis` or `cluster`:
   * `'ioredis'` or `'node-redis'` (the `redis` package, version 6). The library must be
   * installed; both are optional peer dependencies. Ignored for a borrowed `client`, whose
   * library is recognised. Default: `'ioredis'`.
   */
  readonly driver?: 'ioredis' | 'node-redis';
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://…`: the cache creates a standalone
   * connection and closes it on `close()`. Combined with `redis` when both are given. The
   * database must be a number; if Redis refuses to select it (an ACL without `SELECT`, an index
   * out of range), every call fails with `UnavailableError` — the cache never uses database 0
   * instead. The password never appears in an error: URLs in messages read
   * `redis://user:***@host:6379/2`. Default: none.
   */
  readonly url?: string;
  /**
   * Options of the client library (`driver`) for a standalone connection the cache creates and
   * owns; with ioredis also a Sentinel one, e.g. `{ sentinels: [{ host, port }], name: 'mymaster' }`
   * (ioredis `RedisOptions`; node-redis `createClient` options). A few settings the cache relies on
   * replace what these say: they are listed once, in the README's "Owned connections" table
   * (rendered from `src/owned.ts`). Default: none.
   */
  readonly redis?: object;
  /**
   * A Redis Cluster the cache connects to and owns: its startup nodes (`{ host, port }` or
   * `redis://` URLs) and the library's Cluster options (ioredis `ClusterOptions`; node-redis
   * `createCluster` options without `rootNodes`). `scaleReads` other than `'master'` is rejected (a replica may still hold a
   * membership `remove()` has just revoked); the other settings the cache relies on replace what
   * these say, as listed in the README's "Owned connections" table. Default: none.
   */
  readonly cluster?: {
    readonly nodes: readonly ClusterNodeAddress[];
    readonly options?: object;
  };
  /**
   * Prepended to every key, so several registries (or caches) can share one Redis. Caches with
   * different prefixes never see or clear each other's entries. At most 1024 characters, and
   * well-formed UTF-16 without control characters: a lone surrogate (`"\ud800:"`) is sent as
   * U+FFFD, so two different prefixes would be the same bytes in Redis and share keys; such a
   * prefix, or one holding a control character (U+0000–U+001F, U+007F–U+009F), is rejected with
   * `InvalidArgumentError`. Default: `"layercache:"`.
   *
   * @example
   * ```ts
   * createRedisCache({ url, keyPrefix: 'registry-eu:' }); // ok
   * createRedisCache({ url, keyPrefix: '\ud800:' }); // throws InvalidArgumentError (keyPrefix)
   * ```
   */
  readonly keyPrefix?: string;
  /**
   * Lifetime of a membership or meta in milliseconds after its last write, timed by the client's
   * `Date.now()`. Default: undefined (nothing expires).
   */
  readonly ttlMs?: number;
  /**
   * Every call rejects with `UnavailableError` when Redis has not answered within this many
   * milliseconds (plus at most ⌈`commandTimeoutMs` / 8⌉ ms): also while the first connection is
   * being made and while Redis is unreachable. A whole number from 1 to 2^31 − 1. Default: 1000.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Whether `remove`, `deleteMeta` and `clear` resolve only once a replica has them, so that a
   * failover cannot bring a revoked membership back (a wrong `true`). When confirmed, the
   * revocation is sent on a connection of its own per master followed by `WAIT 1`, and a
   * revocation no replica acknowledged within three quarters of `commandTimeoutMs` rejects with
   * `UnavailableError` (cause: `RevocationUnconfirmedError`, "not confirmed by a replica within
   * … ms"): it is done on the master, but retry it (or fall back) before relying on it. Adds and
   * `setMeta` are never confirmed (a lost add is a miss, never a wrong answer).
   *
   * - `'auto'`: confirm on masters that have replicas — a master reporting `connected_slaves` > 0
   *   in `INFO replication` (asked when the first revocation comes, and again at most every 5 s
   *   while it has none), or, on an ioredis Cluster, one whose slots list a replica. Once a master was seen with a replica, its revocations stay confirmed
   *   until the cache is closed: a replica that stopped answering is exactly when it matters.
   * - `true`: confirm every revocation (a master without a replica rejects every one).
   * - `false`: never confirm (one round trip fewer; a revocation can be lost in a failover).
   *
   * The same on ioredis and node-redis.
   *
   * Default: `'auto'`.
   *
   * @example
   * ```ts
   * createRedisCache({ cluster: { nodes }, confirmRevocations: true });
   * ```
   */
  readonly confirmRevocations?: boolean | 'auto';
  /**
   * An in-process near cache in front of Redis, `{ max, maxStalenessMs }` (see the README, "Near
   * cache"): a revocation acknowledged anywhere is never answered `true` more than
   * `maxStalenessMs` after it resolved (at once within this process; on a Cluster, after the old
   * master of its slot also knows of a failover). On ioredis: standalone, Sentinel and Cluster (a
   * `keyPrefix` without hash tag). On node-redis: a standalone client only; a Cluster, a
   * Sentinel client and a client with `clientSideCache` or `emitInvalidate` are refused
   * (`InvalidArgumentError`). Default: none (every call goes to Redis).
   */
  readonly near?: NearCacheOptions;
}

/** A Cluster startup node: `{ host, port }`, a `redis://host:port` URL, or a port on localhost. */
export type ClusterNodeAddress =
  | string
  | number
  | { readonly host?: string | undefined; readonly port?: number | undefined };

/** The options after validation, with defaults applied. */
export interface ResolvedRedisCacheOptions {
  readonly keyPrefix: string;
  readonly ttlMs: number | undefined;
  readonly commandTimeoutMs: number;
  readonly confirmRevocations: boolean | 'auto';
  /** How to reach Redis, read once from the caller's object (a getter never runs twice). */
  readonly connection: Pick<RedisCacheOptions, 'client' | 'url' | 'redis' | 'cluster'>;
  /** The library of the connection: the borrowed client's, or `driver`. */
  readonly driver: 'ioredis' | 'node-redis';
  readonly meter: AdapterOptions['meter'];
  readonly near: ResolvedNearOptions | undefined;
}

export const DEFAULT_KEY_PREFIX = 'layercache:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Every option name `createRedisCache` takes (the README table lists each; a test checks it). */
export const KNOWN_OPTIONS = [
  'client',
  'driver',
  'url',
  'redis',
  'cluster',
  'keyPrefix',
  'ttlMs',
  'commandTimeoutMs',
  'confirmRevocations',
  'meter',
  'near',
] as const;
