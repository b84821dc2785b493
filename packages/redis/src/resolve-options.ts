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
import { libraryOf } from './clients.js';
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
      : resolveNear(options.near, library, cluster, client, keyPrefix ?? DEFAULT_KEY_PREFIX);
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
 * ioredis.
 */
export const NEAR_NODE_REDIS_REFUSAL =
  'is not available with the node-redis driver yet (its CLIENT TRACKING link is written for ' +
  'ioredis); use driver "ioredis" (or an ioredis client) for a near cache, or leave near out';

function resolveNear(
  near: unknown,
  library: 'ioredis' | 'node-redis',
  cluster: unknown,
  client: unknown,
  keyPrefix: string,
): ResolvedNearOptions {
  if (library === 'node-redis') fail('near', NEAR_NODE_REDIS_REFUSAL);
  return resolveNearOptions(FACTORY, near, {
    cluster: cluster !== undefined || (client !== undefined && isCluster(client as never)),
    keyPrefix,
  });
}
