import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { DURATION_BUCKETS_S } from '../duration-buckets.js';

/**
 * Names of the OpenTelemetry instruments the read-through service records, for dashboards and
 * alerts. Every instrument carries the attribute `layercache.operation` (`"exists"`, `"stat"`,
 * `"invalidate"` or `"forget"`); the others are listed per instrument.
 *
 * | instrument | kind | unit | attributes |
 * |---|---|---|---|
 * | `layercache.service.requests` | counter | `{request}` | `layercache.outcome`: see {@link ServiceRequestOutcome} |
 * | `layercache.service.hits` | counter | `{hit}` | — (cache lookups that found the entry) |
 * | `layercache.service.misses` | counter | `{miss}` | — (cache lookups that did not) |
 * | `layercache.service.cache_errors` | counter | `{error}` | `layercache.cache_operation`: the cache call that failed (`contains`, `add`, `remove`, `meta`, `setMeta`, `deleteMeta`) |
 * | `layercache.service.backend_calls` | counter | `{call}` | `layercache.outcome`: `found`, `not_found`, `error` or `aborted`; a call shared by concurrent callers counts once |
 * | `layercache.service.duration` | histogram | `s` | `layercache.outcome`, as for requests |
 *
 * @example
 * ```ts
 * import { SERVICE_METRICS } from '@layercache/core';
 * import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
 *
 * // Keep the counters but drop the latency histogram.
 * const provider = new MeterProvider({
 *   readers: [reader],
 *   views: [{ instrumentName: SERVICE_METRICS.duration, aggregation: { type: AggregationType.DROP } }],
 * });
 * ```
 */
export const SERVICE_METRICS = Object.freeze({
  requests: 'layercache.service.requests',
  hits: 'layercache.service.hits',
  misses: 'layercache.service.misses',
  cacheErrors: 'layercache.service.cache_errors',
  backendCalls: 'layercache.service.backend_calls',
  duration: 'layercache.service.duration',
} as const);

/**
 * A call of the read-through service, as named in the `layercache.operation` attribute.
 *
 * @example
 * ```ts
 * const operation: ServiceOperation = 'exists'; // filter: layercache.operation = "exists"
 * ```
 */
export type ServiceOperation = 'exists' | 'stat' | 'invalidate' | 'forget';

/**
 * How a service call ended, as named in the `layercache.outcome` attribute of
 * `layercache.service.requests` and `layercache.service.duration`:
 * - `hit`: answered from the cache;
 * - `miss`: the cache did not hold it, the backend answered;
 * - `cache_error`: the cache failed, the backend answered;
 * - `error`: rejected with a backend error or an invalid argument (for `invalidate` and
 *   `forget`: the cache failed);
 * - `aborted`: the caller's signal aborted it;
 * - `ok`: `invalidate` or `forget` succeeded.
 *
 * @example
 * ```ts
 * // Hit ratio of `exists`: requests{operation="exists", outcome="hit"} / requests{operation="exists"}
 * const hit: ServiceRequestOutcome = 'hit';
 * ```
 */
export type ServiceRequestOutcome = 'hit' | 'miss' | 'cache_error' | 'error' | 'aborted' | 'ok';

/**
 * How a backend call ended, as named in the `layercache.outcome` attribute of
 * `layercache.service.backend_calls`: `found` (the link or blob exists), `not_found`, `error`
 * (the backend rejected), `aborted` (every caller gave up and the service aborted the call).
 *
 * @example
 * ```ts
 * // Storage round trips the cache did not save: backend_calls{outcome="found"}
 * const found: BackendCallOutcome = 'found';
 * ```
 */
export type BackendCallOutcome = 'found' | 'not_found' | 'error' | 'aborted';

/**
 * A `LayerInfoCache` operation, as named in the `layercache.cache_operation` attribute of
 * `layercache.service.cache_errors`.
 *
 * @example
 * ```ts
 * // Failed fill writes: cache_errors{cache_operation="add"} + cache_errors{cache_operation="setMeta"}
 * const write: CacheOperation = 'add';
 * ```
 */
export type CacheOperation =
  | 'contains'
  | 'add'
  | 'remove'
  | 'meta'
  | 'setMeta'
  | 'deleteMeta'
  | 'forgetDigest';

/** The service's instruments, behind calls that say what happened. */
export interface ServiceMetrics {
  request(operation: ServiceOperation, outcome: ServiceRequestOutcome, startedAt: number): void;
  lookup(operation: ServiceOperation, found: boolean): void;
  cacheError(operation: ServiceOperation, cacheOperation: CacheOperation): void;
  backendCall(operation: ServiceOperation, outcome: BackendCallOutcome): void;
}

/**
 * Creates the service's instruments on `meter`. With the API's default (no SDK installed) every
 * instrument is a no-op and recording costs a function call.
 */
export function createServiceMetrics(meter: Meter): ServiceMetrics {
  const requests = meter.createCounter(SERVICE_METRICS.requests, {
    description: 'Calls of the read-through layer service, by how they ended.',
    unit: '{request}',
  });
  const hits = meter.createCounter(SERVICE_METRICS.hits, {
    description: 'Cache lookups of the read-through layer service that found the entry.',
    unit: '{hit}',
  });
  const misses = meter.createCounter(SERVICE_METRICS.misses, {
    description: 'Cache lookups of the read-through layer service that did not find the entry.',
    unit: '{miss}',
  });
  const cacheErrors = meter.createCounter(SERVICE_METRICS.cacheErrors, {
    description: 'Cache operations of the read-through layer service that failed.',
    unit: '{error}',
  });
  const backendCalls = meter.createCounter(SERVICE_METRICS.backendCalls, {
    description: 'Calls the read-through layer service made to the storage backend.',
    unit: '{call}',
  });
  const duration: Histogram = meter.createHistogram(SERVICE_METRICS.duration, {
    description: 'Duration of calls of the read-through layer service.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
  });

  // Attribute sets are few and fixed: each is built once and shared (frozen), sparing an
  // allocation and a string key per measurement.
  const operationSets = new Map<ServiceOperation, Attributes>();
  const outcomeSets = new Map<ServiceOperation, Map<string, Attributes>>();
  const cacheOperationSets = new Map<ServiceOperation, Map<string, Attributes>>();
  const withOperation = (operation: ServiceOperation): Attributes => {
    let set = operationSets.get(operation);
    if (set === undefined) {
      set = Object.freeze({ 'layercache.operation': operation });
      operationSets.set(operation, set);
    }
    return set;
  };
  const withValue = (
    sets: Map<ServiceOperation, Map<string, Attributes>>,
    key: string,
    operation: ServiceOperation,
    value: string,
  ): Attributes => {
    let byValue = sets.get(operation);
    if (byValue === undefined) {
      byValue = new Map();
      sets.set(operation, byValue);
    }
    let set = byValue.get(value);
    if (set === undefined) {
      set = Object.freeze({ 'layercache.operation': operation, [key]: value });
      byValue.set(value, set);
    }
    return set;
  };

  return {
    request(operation, outcome, startedAt) {
      const set = withValue(outcomeSets, 'layercache.outcome', operation, outcome);
      requests.add(1, set);
      duration.record((performance.now() - startedAt) / 1000, set);
    },
    lookup(operation, found) {
      (found ? hits : misses).add(1, withOperation(operation));
    },
    cacheError(operation, cacheOperation) {
      const set = withValue(
        cacheOperationSets,
        'layercache.cache_operation',
        operation,
        cacheOperation,
      );
      cacheErrors.add(1, set);
    },
    backendCall(operation, outcome) {
      backendCalls.add(1, withValue(outcomeSets, 'layercache.outcome', operation, outcome));
    },
  };
}
