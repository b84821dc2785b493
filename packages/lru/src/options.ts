import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  optionalMeter,
  readOptions,
} from '@layercache/core';

/**
 * Options of {@link createLruCache}. Every field is optional; `createLruCache()` alone gives a
 * cache of at most 10,000 memberships and 10,000 metas that never expires anything.
 *
 * Memberships and metas are held in two separate LRU lists, each with its own budget, so a burst
 * of one kind (a registry enumerating a huge repository, a crawler stat'ing every blob) can never
 * evict the other kind.
 *
 * @example
 * ```ts
 * // 50,000 memberships and 50,000 metas, at most ~32 MiB in all, forgotten 10 minutes after
 * // they were last written.
 * const cache = createLruCache({ max: 50_000, maxSize: 32 * 1024 * 1024, ttlMs: 600_000 });
 * ```
 */
export interface LruCacheOptions extends AdapterOptions {
  /**
   * Most memberships held at once, and — separately — most metas held at once. Past it the
   * least recently used entry of that kind is evicted. `Infinity` removes the count bound, which
   * is only allowed together with `maxSize`.
   *
   * lru-cache preallocates bookkeeping arrays of this length, so do not pass a huge number "to be
   * safe": at most 2^24 is accepted; bound a larger cache by `maxSize` instead.
   *
   * Default: `10_000` (the Go registry's default bound), that is up to 10,000 memberships plus
   * 10,000 metas.
   */
  readonly max?: number;
  /**
   * Approximate bytes of heap for both kinds together: half for memberships, half for metas.
   * Each entry is charged an estimate of what it really costs (its key strings, its meta path and
   * the bookkeeping around them; see the README); the estimate errs on the high side. At least
   * {@link MIN_MAX_SIZE}, so that the longest valid meta always fits.
   *
   * Default: none (bounded by `max` only).
   */
  readonly maxSize?: number;
  /**
   * Milliseconds after its last write (`add`, `setMeta`) that an entry expires. Reads (`contains`,
   * `meta`) do not extend it. Time is read from `Date.now()`.
   *
   * Default: none (entries stay until evicted, removed or cleared).
   */
  readonly ttlMs?: number;
}

/** Smallest `maxSize` accepted: 64 KiB, so that each half holds at least the longest valid meta. */
export const MIN_MAX_SIZE = 65_536;

/** Default of {@link LruCacheOptions.max}. */
export const DEFAULT_MAX = 10_000;

// lru-cache allocates arrays of `max` slots up front (two caches: twice that). Past this a
// count bound is almost certainly a mistake that would allocate gigabytes at construction.
const MAX_MAX = 2 ** 24;

/** Options after validation and defaults: `max` 0 means "no count bound", as in lru-cache. */
export interface ResolvedLruOptions {
  readonly max: number;
  readonly maxSize: number | undefined;
  readonly ttlMs: number | undefined;
  readonly meter: AdapterOptions['meter'];
}

const FACTORY = 'createLruCache';
const KNOWN_OPTIONS = ['max', 'maxSize', 'ttlMs', 'meter'] as const;

function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Checks the options of {@link createLruCache} and fills in defaults. Throws
 * `InvalidArgumentError` whose `argument` names the option and whose message says what to pass.
 */
export function resolveLruOptions(options: unknown): ResolvedLruOptions {
  // A misspelt option (`ttl`, `maxEntries`) would otherwise silently give an unexpected cache.
  const { max, maxSize, ttlMs, meter } = readOptions(FACTORY, options, KNOWN_OPTIONS);

  let resolvedMax = DEFAULT_MAX;
  if (max === Number.POSITIVE_INFINITY) {
    if (maxSize === undefined) {
      throw new InvalidArgumentError(
        'max',
        'max: Infinity leaves the cache unbounded; pass a maxSize in bytes as well, or a finite max such as 10000',
      );
    }
    resolvedMax = 0;
  } else if (max !== undefined) {
    if (!isPositiveSafeInteger(max)) {
      throw new InvalidArgumentError(
        'max',
        `max must be a positive whole number of entries, got ${describeValue(max)}; pass e.g. 10000, or omit it for the default of ${DEFAULT_MAX}`,
      );
    }
    if (max > MAX_MAX) {
      throw new InvalidArgumentError(
        'max',
        `max ${max} is above ${MAX_MAX}: lru-cache allocates max slots up front; pass max: Infinity with a maxSize to bound a very large cache by bytes`,
      );
    }
    resolvedMax = max;
  }

  if (maxSize !== undefined) {
    if (!isPositiveSafeInteger(maxSize)) {
      throw new InvalidArgumentError(
        'maxSize',
        `maxSize must be a positive whole number of bytes, got ${describeValue(maxSize)}; pass e.g. 33554432 (32 MiB), or omit it to bound by max only`,
      );
    }
    if (maxSize < MIN_MAX_SIZE) {
      throw new InvalidArgumentError(
        'maxSize',
        `maxSize ${maxSize} is below ${MIN_MAX_SIZE} bytes, too small to hold the longest valid meta; pass at least ${MIN_MAX_SIZE}`,
      );
    }
  }

  if (ttlMs !== undefined && !isPositiveSafeInteger(ttlMs)) {
    throw new InvalidArgumentError(
      'ttlMs',
      `ttlMs must be a positive whole number of milliseconds, got ${describeValue(ttlMs)}; pass e.g. 600000 (10 minutes), or omit it for entries that never expire`,
    );
  }

  return { max: resolvedMax, maxSize, ttlMs, meter: optionalMeter(FACTORY, 'meter', meter) };
}
