import type { Attributes, Meter } from '@opentelemetry/api';
import { DeadlineExceededError } from './deadline.js';
import { DURATION_BUCKETS_S } from './duration-buckets.js';
import { isNotFoundError, isUnavailableError } from './errors.js';
import type { CallOptions, LayerInfoCache } from './types.js';

/**
 * Names of the OpenTelemetry instruments a cache records when its factory is given a `meter`
 * (every adapter's factory takes one). Every measurement carries `layercache.cache` (the
 * adapter's name, e.g. `"redis"`), `layercache.operation` (`contains`, `add`, `remove`, `meta`,
 * `setMeta`, `deleteMeta`, `clear`) and `layercache.outcome` (see {@link CacheCallOutcome}).
 *
 * | instrument | kind | unit |
 * |---|---|---|
 * | `layercache.cache.operations` | counter | `{operation}` |
 * | `layercache.cache.duration` | histogram | `s` |
 *
 * @example
 * ```ts
 * import { CACHE_METRICS } from '@layercache/core';
 * import { createSqliteCache } from '@layercache/sqlite';
 * import { metrics } from '@opentelemetry/api';
 *
 * const cache = createSqliteCache({ meter: metrics.getMeter('registry') });
 * // Hit ratio of access checks:
 * //   operations{operation="contains", outcome="hit"} / operations{operation="contains"}
 * console.log(CACHE_METRICS.operations); // "layercache.cache.operations"
 * ```
 */
export const CACHE_METRICS = Object.freeze({
  operations: 'layercache.cache.operations',
  duration: 'layercache.cache.duration',
} as const);

/**
 * How a cache call ended, as named in `layercache.outcome`:
 * - `hit` / `miss`: `contains` resolved `true` / `false`, `meta` resolved / rejected `NotFoundError`;
 * - `ok`: any other operation succeeded;
 * - `timeout`: rejected because the store did not answer within the cache's `timeoutMs`;
 * - `aborted`: the caller's signal aborted it;
 * - `error`: any other rejection (backend failure, invalid argument, closed cache).
 *
 * @example
 * ```ts
 * const outcome: CacheCallOutcome = 'timeout'; // alert on operations{outcome="timeout"}
 * ```
 */
export type CacheCallOutcome = 'hit' | 'miss' | 'ok' | 'timeout' | 'aborted' | 'error';

const OPERATIONS = ['contains', 'add', 'remove', 'meta', 'setMeta', 'deleteMeta', 'clear'] as const;
type Operation = (typeof OPERATIONS)[number];

/**
 * Wraps `cache` so that every call is counted by operation and outcome and timed. Only applied
 * when a meter is given, so a cache without one pays nothing.
 */
export function instrumentCache(cache: LayerInfoCache, name: string, meter: Meter): LayerInfoCache {
  const operations = meter.createCounter(CACHE_METRICS.operations, {
    description: 'Calls of a layercache cache, by operation and outcome.',
    unit: '{operation}',
  });
  const duration = meter.createHistogram(CACHE_METRICS.duration, {
    description: 'Duration of calls of a layercache cache.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
  });

  // Attribute sets are few and fixed: built once and shared, sparing an allocation and a string
  // key per call.
  const outcomes: readonly CacheCallOutcome[] = [
    'hit',
    'miss',
    'ok',
    'timeout',
    'aborted',
    'error',
  ];
  const sets = {} as Record<Operation, Record<CacheCallOutcome, Attributes>>;
  for (const operation of OPERATIONS) {
    const byOutcome = {} as Record<CacheCallOutcome, Attributes>;
    for (const outcome of outcomes) {
      byOutcome[outcome] = Object.freeze({
        'layercache.cache': name,
        'layercache.operation': operation,
        'layercache.outcome': outcome,
      });
    }
    sets[operation] = byOutcome;
  }

  const record = (operation: Operation, outcome: CacheCallOutcome, startedAt: number) => {
    const set = sets[operation][outcome];
    operations.add(1, set);
    duration.record((performance.now() - startedAt) / 1000, set);
  };

  function failure(operation: Operation, error: unknown, options: CallOptions | undefined) {
    if (isNotFoundError(error) && operation === 'meta') return 'miss';
    if (isUnavailableError(error) && error.cause instanceof DeadlineExceededError) return 'timeout';
    let signal: unknown;
    try {
      signal = options?.signal;
    } catch {
      return 'error';
    }
    if (signal instanceof AbortSignal && signal.aborted && error === signal.reason)
      return 'aborted';
    return 'error';
  }

  // `startedAt` is read by the caller before the call, so the duration includes its synchronous
  // part; the call itself is made directly (no closure allocated per call).
  function observe<T>(
    operation: Operation,
    startedAt: number,
    options: CallOptions | undefined,
    pending: Promise<T>,
    success: (value: T) => CacheCallOutcome,
  ): Promise<T> {
    return pending.then(
      (value) => {
        record(operation, success(value), startedAt);
        return value;
      },
      (error: unknown) => {
        record(operation, failure(operation, error, options), startedAt);
        throw error;
      },
    );
  }

  const ok = (): CacheCallOutcome => 'ok';
  const found = (value: boolean): CacheCallOutcome => (value ? 'hit' : 'miss');
  const hit = (): CacheCallOutcome => 'hit';
  const now = () => performance.now();

  // Spread first: methods a store adds beyond the seven (optional capabilities) pass through.
  const instrumented: LayerInfoCache = {
    ...cache,
    contains: (repo, digest, options) =>
      observe('contains', now(), options, cache.contains(repo, digest, options), found),
    add: (repo, digest, options) =>
      observe('add', now(), options, cache.add(repo, digest, options), ok),
    remove: (repo, digest, options) =>
      observe('remove', now(), options, cache.remove(repo, digest, options), ok),
    meta: (digest, options) => observe('meta', now(), options, cache.meta(digest, options), hit),
    setMeta: (digest, meta, options) =>
      observe('setMeta', now(), options, cache.setMeta(digest, meta, options), ok),
    deleteMeta: (digest, options) =>
      observe('deleteMeta', now(), options, cache.deleteMeta(digest, options), ok),
    clear: (options) => observe('clear', now(), options, cache.clear(options), ok),
    close: () => cache.close(),
    [Symbol.asyncDispose]: () => cache.close(),
  };
  return instrumented;
}
