import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  isInvalidArgumentError,
  isWellFormedText,
  optionalChoice,
  optionalInteger,
  optionalMeter,
  optionalString,
  readOptions,
} from '@layercache/core';
import { type IoredisClient, libraryOf, type NodeRedisClient, nodeRedisKind } from './clients.js';
import { checkClient, checkCluster, checkRedis } from './ioredis/check.js';
import { isCluster } from './ioredis/client.js';
import {
  type NearCacheOptions,
  type ResolvedNearOptions,
  resolveNearOptions,
} from './near/options.js';
import {
  checkNodeRedisClient,
  checkNodeRedisCluster,
  checkNodeRedisOptions,
} from './node-redis/check.js';
import { fail } from './refuse.js';
import { checkUrl } from './url.js';

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
   * just revoked). A client that was already closed is rejected. The cache listens to the
   * client's `error` events to name the cause of failures. Default: none.
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
   * milliseconds (plus at most an eighth of it): also while the first connection is being made
   * and while Redis is unreachable. A whole number from 1 to 2^31 − 1. Default: 1000.
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
   * - `'auto'`: confirm on masters that have replicas — on a Cluster, a master whose slots list a
   *   replica; standalone or Sentinel, a master reporting `connected_slaves` > 0 in
   *   `INFO replication` (asked when the first revocation comes, and again at most every 5 s
   *   while it has none). Once a master was seen with a replica, its revocations stay confirmed
   *   until the cache is closed: a replica that stopped answering is exactly when it matters.
   * - `true`: confirm every revocation (a master without a replica rejects every one).
   * - `false`: never confirm (one round trip fewer; a revocation can be lost in a failover).
   *
   * On node-redis confirmation is not available yet: a revocation that would be confirmed
   * (`true`, or `'auto'` with a replica) rejects with `UnavailableError` (cause:
   * `RevocationConfirmationUnavailableError`) and revokes nothing; set `false` to revoke there.
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
   * `maxStalenessMs` after it resolved (at once within this process). Standalone and Sentinel
   * on ioredis only: refused on a Cluster and with node-redis (`InvalidArgumentError`). Default: none (every call goes to Redis).
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
const MAX_KEY_PREFIX_LENGTH = 1024;
// setTimeout's limit; also far beyond any sensible cache lifetime check.
const MAX_TIMER_MS = 2_147_483_647;

const FACTORY = 'createRedisCache';
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

/**
 * Runs the checks of one nested option (`client`, `redis`, `cluster`): a getter that throws or a
 * Proxy trap inside it is an `InvalidArgumentError` naming the option, never a raw `TypeError`.
 */
function within(argument: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (isInvalidArgumentError(error)) throw error;
    throw new InvalidArgumentError(argument, `${FACTORY}: ${argument} could not be read`, {
      cause: error,
    });
  }
}

/** Checks every option once, at construction, so a misconfiguration never surfaces as an outage. */
export function resolveOptions(input: unknown): ResolvedRedisCacheOptions {
  const options = readOptions(FACTORY, input, KNOWN_OPTIONS);
  const { client, url, redis, cluster } = options as Pick<
    RedisCacheOptions,
    'client' | 'url' | 'redis' | 'cluster'
  >;
  const sources = [client, url ?? redis, cluster].filter((source) => source !== undefined);
  if (sources.length === 0) {
    fail('url', 'is required unless client, redis or cluster is given');
  }
  if (sources.length > 1) {
    fail(client !== undefined ? 'client' : 'cluster', 'cannot be combined with url or redis');
  }
  const chosen = optionalChoice(FACTORY, 'driver', options.driver, ['ioredis', 'node-redis']);
  let library = chosen ?? 'ioredis';
  if (client !== undefined) {
    within('client', () => {
      // A borrowed client's library is read from its shape; `driver` does not apply to it.
      library = libraryOf(client) ?? 'ioredis';
      if (library === 'node-redis') checkNodeRedisClient(client);
      else checkClient(client);
    });
  }
  if (url !== undefined) checkUrl(url);
  const ioredis = library === 'ioredis';
  if (redis !== undefined) {
    within('redis', () => (ioredis ? checkRedis : checkNodeRedisOptions)(redis as never));
  }
  if (cluster !== undefined) {
    within('cluster', () => (ioredis ? checkCluster : checkNodeRedisCluster)(cluster as never));
  }
  const keyPrefix = optionalString(FACTORY, 'keyPrefix', options.keyPrefix, { allowEmpty: true });
  if (keyPrefix !== undefined) {
    if (keyPrefix.length > MAX_KEY_PREFIX_LENGTH) {
      fail('keyPrefix', `must be at most ${MAX_KEY_PREFIX_LENGTH} characters`);
    }
    // A lone surrogate is sent as U+FFFD: "\ud800:" and "\udc00:" would be the same prefix in
    // Redis, two caches would share keys, and clear() would miss the cache's own keys.
    if (!isWellFormedText(keyPrefix)) {
      fail(
        'keyPrefix',
        'must be well-formed UTF-16 (no lone surrogate) without control characters, ' +
          `got ${describeValue(keyPrefix)}`,
      );
    }
  }
  const ttlMs = optionalInteger(FACTORY, 'ttlMs', options.ttlMs, {
    min: 1,
    unit: 'milliseconds',
  });
  const commandTimeoutMs = optionalInteger(FACTORY, 'commandTimeoutMs', options.commandTimeoutMs, {
    min: 1,
    max: MAX_TIMER_MS,
    unit: 'milliseconds',
  });
  const confirmRevocations = options.confirmRevocations;
  if (
    confirmRevocations !== undefined &&
    confirmRevocations !== 'auto' &&
    typeof confirmRevocations !== 'boolean'
  ) {
    fail(
      'confirmRevocations',
      `must be true, false or "auto", got ${describeValue(confirmRevocations)}`,
    );
  }
  const meter = optionalMeter(FACTORY, 'meter', options.meter);
  const near =
    options.near === undefined ? undefined : resolveNear(options.near, library, cluster, client);
  return {
    keyPrefix: keyPrefix ?? DEFAULT_KEY_PREFIX,
    ttlMs,
    commandTimeoutMs: commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    confirmRevocations: (confirmRevocations as boolean | 'auto' | undefined) ?? 'auto',
    connection: { client, url, redis, cluster },
    driver: library,
    meter,
    near,
  };
}

/**
 * Why `near` is refused where it is: its tracking link (src/near/ioredis-link.ts) is written for
 * ioredis, and a Cluster would need tracking on every master.
 */
export const NEAR_NODE_REDIS_REFUSAL =
  'is not available with the node-redis driver yet (its CLIENT TRACKING link is written for ' +
  'ioredis); use driver "ioredis" (or an ioredis client) for a near cache, or leave near out';

function resolveNear(
  near: unknown,
  library: 'ioredis' | 'node-redis',
  cluster: unknown,
  client: unknown,
): ResolvedNearOptions {
  if (library === 'node-redis') {
    const onCluster =
      cluster !== undefined ||
      (client !== undefined && nodeRedisKind(client as object) === 'cluster');
    // The Cluster refusal first, as on ioredis: it is the one that holds whatever the library.
    if (!onCluster) fail('near', NEAR_NODE_REDIS_REFUSAL);
  }
  return resolveNearOptions(FACTORY, near, {
    cluster: cluster !== undefined || (client !== undefined && isCluster(client as never)),
  });
}
