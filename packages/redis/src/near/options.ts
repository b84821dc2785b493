import {
  InvalidArgumentError,
  isInvalidArgumentError,
  optionalInteger,
  optionError,
  readOptions,
} from '@layercache/core';
import { hasHashTag } from '../slot.js';

/**
 * The `near` option of `createRedisCache`: an in-process cache in front of Redis, kept correct by
 * Redis' client-side caching (`CLIENT TRACKING`). See the README, "Near cache".
 *
 * @example
 * ```ts
 * const cache = createRedisCache({ url, near: { max: 50_000, maxStalenessMs: 10 } });
 * await cache.contains('library/alpine', digest); // from Redis, then held
 * await cache.contains('library/alpine', digest); // from memory, until Redis says it changed
 * ```
 */
export interface NearCacheOptions {
  /**
   * How many entries (memberships answered `true`, and metas) the near cache holds; the least
   * recently used goes first. Misses are never held. A whole number from 1. Default: 10 000.
   */
  readonly max?: number;
  /**
   * The bound: a revocation (`remove`, `deleteMeta`, `clear`) acknowledged by any client more
   * than this many milliseconds earlier is never answered from the near cache — also when this
   * process's link to Redis is silently cut. Within one process a revocation is seen at once.
   * The cache checks its link with a fence (a `PING` and a `CLIENT TRACKINGINFO`) about three
   * times per period. A whole number from 1 to 60 000. Default: 10.
   */
  readonly maxStalenessMs?: number;
}

export interface ResolvedNearOptions {
  readonly max: number;
  readonly maxStalenessMs: number;
}

export const DEFAULT_NEAR_MAX = 10_000;
export const DEFAULT_NEAR_MAX_STALENESS_MS = 10;
const KNOWN = ['max', 'maxStalenessMs'] as const;

/** `near` read with the options kit, its refusals naming `near` or `near.<name>`. */
function readNear(
  factory: string,
  input: unknown,
): { readonly [K in (typeof KNOWN)[number]]?: unknown } {
  try {
    return readOptions(`${factory}: near`, input, KNOWN);
  } catch (error) {
    if (!isInvalidArgumentError(error)) throw error;
    const argument = error.argument === 'options' ? 'near' : `near.${error.argument}`;
    throw new InvalidArgumentError(argument, error.message, { cause: error.cause });
  }
}

/**
 * Reads `near` (already known to be present) with the options kit; names are `near.max` etc.
 * On a Cluster the key prefix must not hold a hash tag: the tracking of every master is proven
 * with a probe key of the prefix in one of its slots (cluster-link.ts), and a hash tag pins every
 * such key to one slot.
 */
export function resolveNearOptions(
  factory: string,
  input: unknown,
  { cluster, keyPrefix }: { readonly cluster: boolean; readonly keyPrefix: string },
): ResolvedNearOptions {
  if (cluster && hasHashTag(keyPrefix)) {
    throw optionError(
      factory,
      'near',
      'on a Redis Cluster needs a keyPrefix without a hash tag ({…}): tracking is proven on ' +
        'every master with a key of the prefix in its slots; drop the hash tag or leave near out',
    );
  }
  const options = readNear(factory, input);
  const max = optionalInteger(factory, 'near.max', options.max, { min: 1, unit: 'entries' });
  const maxStalenessMs = optionalInteger(factory, 'near.maxStalenessMs', options.maxStalenessMs, {
    min: 1,
    max: 60_000,
    unit: 'milliseconds',
  });
  return {
    max: max ?? DEFAULT_NEAR_MAX,
    maxStalenessMs: maxStalenessMs ?? DEFAULT_NEAR_MAX_STALENESS_MS,
  };
}
