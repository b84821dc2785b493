import {
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
import { libraryOf, nodeRedisKind } from './clients.js';
import { checkClient, checkCluster, checkRedis } from './ioredis/check.js';
import { isCluster } from './ioredis/client.js';
import { type ResolvedNearOptions, resolveNearOptions } from './near/options.js';
import {
  checkNodeRedisClient,
  checkNodeRedisCluster,
  checkNodeRedisOptions,
} from './node-redis/check.js';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  KNOWN_OPTIONS,
  type RedisCacheOptions,
  type ResolvedRedisCacheOptions,
} from './options.js';
import { fail } from './refuse.js';
import { checkUrl } from './url.js';

const MAX_KEY_PREFIX_LENGTH = 1024;
// setTimeout's limit; also far beyond any sensible cache lifetime check.
const MAX_TIMER_MS = 2_147_483_647;
const FACTORY = 'createRedisCache';

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
    options.near === undefined
      ? undefined
      : resolveNear(
          options.near,
          library,
          { cluster, client, redis },
          keyPrefix ?? DEFAULT_KEY_PREFIX,
        );
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
 * Why `near` is refused on node-redis where it is: its tracking link (src/node-redis/near-link.ts)
 * follows the one connection of a standalone client.
 */
export const NEAR_NODE_REDIS_REFUSALS = {
  cluster:
    'is not available on a node-redis Cluster: the node-redis near cache tracks the one ' +
    'connection of a standalone client, and tracking every master of a Cluster is done for ' +
    'ioredis only; use an ioredis Cluster client, or leave near out',
  sentinel:
    'is not available on a node-redis Sentinel client: it spreads commands over a pool of master ' +
    'connections that it replaces by itself on a failover, so tracking cannot be kept on the ' +
    'connection reads go through; use an ioredis client through Sentinel, or leave near out',
  tracking:
    'is not available on a node-redis client created with clientSideCache or emitInvalidate: ' +
    'node-redis turns tracking on for itself at every connect, and the near cache needs it ' +
    'redirected to a connection of its own; lend a client without them, or leave near out',
} as const;

function resolveNear(
  near: unknown,
  library: 'ioredis' | 'node-redis',
  { cluster, client, redis }: { cluster: unknown; client: unknown; redis: unknown },
  keyPrefix: string,
): ResolvedNearOptions {
  if (library === 'node-redis') {
    const kind = client === undefined ? undefined : nodeRedisKind(client as object);
    if (cluster !== undefined || kind === 'cluster') fail('near', NEAR_NODE_REDIS_REFUSALS.cluster);
    if (kind === 'sentinel') fail('near', NEAR_NODE_REDIS_REFUSALS.sentinel);
    type Own = { clientSideCache?: unknown; emitInvalidate?: unknown } | undefined;
    const own = (client === undefined ? redis : (client as { options?: Own }).options) as Own;
    if (own?.clientSideCache || own?.emitInvalidate) {
      fail('near', NEAR_NODE_REDIS_REFUSALS.tracking);
    }
  }
  return resolveNearOptions(FACTORY, near, {
    cluster: cluster !== undefined || (client !== undefined && isCluster(client as never)),
    keyPrefix,
  });
}
