import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  isInvalidArgumentError,
  isWellFormedText,
  optionalInteger,
  optionalString,
  optionError,
  readOptions,
} from '@layercache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { isCluster } from './client.js';
import {
  type NearCacheOptions,
  type ResolvedNearOptions,
  resolveNearOptions,
} from './near/index.js';
import { redactUrl } from './redact.js';

/**
 * Options of {@link createRedisCache}. Give exactly one way to reach Redis: `client` (borrowed),
 * or `url`, `redis` or `cluster` (the cache creates the connection and owns it).
 */
export interface RedisCacheOptions extends AdapterOptions {
  /**
   * An ioredis `Redis` or `Cluster` client (including one connected through Sentinel) that the
   * cache **borrows**: it is used as it is and never closed. Enable `enableAutoPipelining` on it
   * for throughput; it must not have an ioredis `keyPrefix` (use this cache's `keyPrefix`). A
   * Cluster must read from masters (`scaleReads: 'master'`, the ioredis default) and a Sentinel
   * client must not use `role: 'slave'`: a replica may still hold a membership `remove()` has
   * just revoked. A client that was already closed (status `"end"`) is rejected. The cache
   * listens to the client's `error` events to name the cause of failures (and, when it is the
   * only listener, prints them redacted as ioredis would). Default: none.
   */
  readonly client?: Redis | Cluster;
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
   * only: refused on a Cluster. Default: none (every call goes to Redis).
   */
  readonly near?: NearCacheOptions;
}

/** The options after validation, with defaults applied. */
export interface ResolvedRedisCacheOptions {
  readonly keyPrefix: string;
  readonly ttlMs: number | undefined;
  readonly commandTimeoutMs: number;
  readonly confirmRevocations: boolean | 'auto';
  /** How to reach Redis, read once from the caller's object (a getter never runs twice). */
  readonly connection: Pick<RedisCacheOptions, 'client' | 'url' | 'redis' | 'cluster'>;
  readonly meter: AdapterOptions['meter'];
  readonly near: ResolvedNearOptions | undefined;
}

export const DEFAULT_KEY_PREFIX = 'layercache:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const MAX_KEY_PREFIX_LENGTH = 1024;
// setTimeout's limit; also far beyond any sensible cache lifetime check.
const MAX_TIMER_MS = 2_147_483_647;

const FACTORY = 'createRedisCache';
const KNOWN_OPTIONS = [
  'client',
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

// Why reads must go to masters: Redis replicates asynchronously, so a replica can still hold a
// membership a remove() has just revoked on the master, and contains() would answer true — the
// wrong positive this package exists to avoid.
const REPLICA_READS =
  'because a replica may still hold a membership that remove() has just revoked on the master ' +
  '(replication is asynchronous) and contains() would wrongly answer true';

function fail(argument: string, problem: string): never {
  throw optionError(FACTORY, argument, problem);
}

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
  if (client !== undefined) within('client', () => checkClient(client));
  if (url !== undefined) checkUrl(url);
  if (redis !== undefined) within('redis', () => checkRedis(redis));
  if (cluster !== undefined) within('cluster', () => checkCluster(cluster));
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
  const meter = options.meter;
  if (meter !== undefined && (typeof meter !== 'object' || meter === null)) {
    fail('meter', `must be an OpenTelemetry Meter, got ${describeValue(meter)}`);
  }
  return {
    keyPrefix: keyPrefix ?? DEFAULT_KEY_PREFIX,
    ttlMs,
    commandTimeoutMs: commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    confirmRevocations: (confirmRevocations as boolean | 'auto' | undefined) ?? 'auto',
    connection: { client, url, redis, cluster },
    meter: meter as AdapterOptions['meter'],
    near:
      options.near === undefined
        ? undefined
        : resolveNearOptions(FACTORY, options.near, {
            cluster: cluster !== undefined || isCluster(client),
          }),
  };
}

// A database is a number in the URL's path (`/2`); ioredis also reads `?db=`. Anything else would
// make SELECT fail — and ioredis then goes on with database 0.
const DATABASE = /^(0|[1-9][0-9]{0,8})$/;

function checkUrl(value: unknown): void {
  const url = optionalString(FACTORY, 'url', value) as string;
  // Messages show the URL with its password masked: a malformed URL is still a credential.
  const shown = JSON.stringify(redactUrl(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail('url', `is not a valid URL: ${shown}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    fail('url', `must start with redis:// or rediss://, got ${shown}`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !DATABASE.test(path)) {
    fail('url', `must name a database as a number (redis://host:6379/2), got ${shown}`);
  }
  const db = parsed.searchParams.get('db');
  if (db !== null && !DATABASE.test(db)) {
    fail('url', `must name a database as a number (?db=2), got ${shown}`);
  }
  // ioredis takes query parameters as options: a keyPrefix there would bypass the check below.
  if (parsed.searchParams.has('keyPrefix')) {
    fail('url', 'must not set keyPrefix: use the keyPrefix option');
  }
}

function checkRedis(redis: RedisOptions): void {
  if (typeof redis !== 'object' || redis === null) {
    fail('redis', `must be an ioredis options object, got ${describeValue(redis)}`);
  }
  if (redis.keyPrefix) fail('redis', 'must not set keyPrefix: use the keyPrefix option');
  if (redis.role === 'slave') fail('redis', `must not set role "slave", ${REPLICA_READS}`);
  const db = redis.db;
  if (db !== undefined && !(Number.isSafeInteger(db) && db >= 0)) {
    fail('redis', `db must be a database number, got ${describeValue(db)}`);
  }
}

function checkCluster(cluster: NonNullable<RedisCacheOptions['cluster']>): void {
  if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes)) {
    fail('cluster', `must be { nodes, options? }, got ${describeValue(cluster)}`);
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

function checkClient(client: unknown): void {
  const candidate = client as Partial<Redis> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.zscore !== 'function' ||
    typeof candidate.status !== 'string'
  ) {
    fail('client', `must be an ioredis Redis or Cluster instance, got ${describeValue(client)}`);
  }
  // A closed client never reconnects: every call would fail.
  if (candidate.status === 'end') {
    fail('client', 'has been closed (ioredis status "end"); pass a client that is not closed');
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
