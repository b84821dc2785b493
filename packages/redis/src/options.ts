import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  isInvalidArgumentError,
  isWellFormedText,
  optionalInteger,
  optionalMeter,
  optionalString,
  optionError,
  readOptions,
} from '@layercache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { checkClient, checkCluster, checkRedis } from './ioredis/check.js';
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
   * `{ sentinels: [{ host, port }], name: 'mymaster' }`. A few settings the cache relies on
   * replace what these say: they are listed once, in the README's "Owned connections" table
   * (rendered from `src/owned.ts`). Default: none.
   */
  readonly redis?: RedisOptions;
  /**
   * A Redis Cluster the cache connects to and owns: its startup nodes and ioredis Cluster
   * options. `scaleReads` other than `'master'` is rejected (a replica may still hold a
   * membership `remove()` has just revoked); the other settings the cache relies on replace what
   * these say, as listed in the README's "Owned connections" table. Default: none.
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
}

/** The options after validation, with defaults applied. */
export interface ResolvedRedisCacheOptions {
  readonly keyPrefix: string;
  readonly ttlMs: number | undefined;
  readonly commandTimeoutMs: number;
  /** How to reach Redis, read once from the caller's object (a getter never runs twice). */
  readonly connection: Pick<RedisCacheOptions, 'client' | 'url' | 'redis' | 'cluster'>;
  readonly meter: AdapterOptions['meter'];
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
  'url',
  'redis',
  'cluster',
  'keyPrefix',
  'ttlMs',
  'commandTimeoutMs',
  'meter',
] as const;

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
  const meter = optionalMeter(FACTORY, 'meter', options.meter);
  return {
    keyPrefix: keyPrefix ?? DEFAULT_KEY_PREFIX,
    ttlMs,
    commandTimeoutMs: commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connection: { client, url, redis, cluster },
    meter,
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
