import { metrics as otelMetrics } from '@opentelemetry/api';
import { signalOf } from '../call-options.js';
import { InvalidArgumentError, isNotFoundError } from '../errors.js';
import { describeValue, optionalMeter, optionError, readOptions } from '../options.js';
import type { CallOptions, LayerInfoCache, LayerMeta } from '../types.js';
import { validateDigest, validateRepository } from '../validate.js';
import { createFlightTable, type Flight } from './inflight.js';
import {
  type CacheOperation,
  createServiceMetrics,
  type ServiceOperation,
  type ServiceRequestOutcome,
} from './metrics.js';
import type {
  CachedLayerService,
  CachedLayerServiceOptions,
  CacheErrorContext,
  LayerBackend,
} from './types.js';

const FACTORY = 'createCachedLayerService';
const CACHE_METHODS = ['contains', 'meta', 'add', 'setMeta', 'remove', 'deleteMeta'] as const;
const BACKEND_METHODS = ['exists', 'stat'] as const;

/**
 * Refuses, at creation, a `cache` or `backend` without the methods the service calls. Only the
 * kind of a wrong value is named, never its text: a connection URL passed in the wrong place
 * could hold a password.
 */
function requireMethods(name: string, value: unknown, methods: readonly string[]): void {
  const isObject = typeof value === 'object' && value !== null;
  const missing = isObject
    ? methods.filter((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
    : methods;
  if (missing.length > 0) {
    const given = isObject ? describeValue(value) : value === null ? 'null' : `a ${typeof value}`;
    throw optionError(
      FACTORY,
      name,
      `must have the methods ${methods.join(', ')}; ${given} lacks ${missing.join(', ')}`,
    );
  }
}

/**
 * The signal of a call's options, checked as the cache checks it (call-options.ts). The service
 * passes on `{ signal }` alone, so the cache reads the same signal and nothing else.
 */
function callSignal(callOptions: CallOptions | undefined): {
  readonly signal: AbortSignal | undefined;
  readonly refused?: InvalidArgumentError;
  readonly options: CallOptions | undefined;
} {
  const checked = signalOf(callOptions);
  if (checked instanceof InvalidArgumentError) {
    return { signal: undefined, refused: checked, options: undefined };
  }
  return { signal: checked, options: checked === undefined ? undefined : { signal: checked } };
}

// `stat` flights are keyed by digest alone; the slot only has to be a constant. Repository
// names are never empty, so it cannot collide with an `exists` slot even in a shared table.
const STAT_SLOT = '';

function isAbortOf(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && error === signal.reason;
}

/**
 * Wraps a registry's slow {@link LayerBackend} with a {@link LayerInfoCache} — the read-through
 * layer service a registry's blob handlers call (the Go registry's `cachedLayerService` and
 * `cachedBlobStatter`, with what they learnt later).
 *
 * - `exists`: a cached membership answers `true` without the backend; otherwise the backend
 *   answers and only a positive answer is cached (a wrong `true` would be an access-check bug).
 * - `stat`: a cached meta is returned; otherwise the backend answers and a found blob's meta is
 *   cached. `stat` implies no membership.
 * - A cache **error** is not a miss: it is reported to `onError`, the backend answers, and
 *   nothing is written to the cache by that call (writing during a cache outage amplified it).
 *   A failed fill write is reported too; the caller still gets the backend's answer.
 * - Concurrent misses for one key share one backend call and its outcome, error included;
 *   nothing is kept once it settles. A shared call that any of its callers reached through a
 *   cache error writes nothing.
 * - A caller whose `signal` aborts rejects at once with `signal.reason`; the shared backend call
 *   goes on for the others and is aborted (through the signal the service passes to the
 *   backend) only when every caller has aborted. An abandoned call writes nothing.
 * - `invalidate` and `forget` make a backend call in flight for their key lose: its answer goes
 *   to its callers but is not written, so a racing read cannot undo a delete.
 * - `forget` removes the blob's meta and, when the cache has the optional `forgetDigest`
 *   capability (every adapter of this repository does), its membership in every repository.
 * - Backend errors reach the caller unchanged; invalid repository names or digests reject with
 *   `InvalidArgumentError` before the cache or the backend is asked.
 * - Counters and a latency histogram through `@opentelemetry/api` (see `SERVICE_METRICS`).
 *
 * @param cache - The cache to read through. The service never closes it.
 * @param backend - The source of truth.
 * @param options - See {@link CachedLayerServiceOptions}.
 *
 * @example
 * ```ts
 * import { createCachedLayerService } from '@layercache/core';
 * import { createRedisCache } from '@layercache/redis';
 *
 * const blobs = createCachedLayerService(createRedisCache({ url }), storageBackend, {
 *   onError: (error, { operation, repo, digest }) =>
 *     log.warn({ err: error, operation, repo, digest }, 'layer cache failed; asked storage'),
 * });
 *
 * // HEAD /v2/<repo>/blobs/<digest>
 * if (!(await blobs.exists(repo, digest, { signal: request.signal }))) return notFound();
 * const meta = await blobs.stat(digest, { signal: request.signal });
 *
 * // DELETE /v2/<repo>/blobs/<digest>, after the link was removed from storage
 * await blobs.invalidate(repo, digest);
 * ```
 */
export function createCachedLayerService(
  cache: LayerInfoCache,
  backend: LayerBackend,
  options?: CachedLayerServiceOptions,
): CachedLayerService {
  requireMethods('cache', cache, CACHE_METHODS);
  requireMethods('backend', backend, BACKEND_METHODS);
  const read = readOptions(FACTORY, options, ['onError', 'meter']);
  if (read.onError !== undefined && typeof read.onError !== 'function') {
    throw optionError(FACTORY, 'onError', `must be a function, got ${describeValue(read.onError)}`);
  }
  const onError = read.onError as CachedLayerServiceOptions['onError'];
  const meter = optionalMeter(FACTORY, 'meter', read.meter);
  const metrics = createServiceMetrics(meter ?? otelMetrics.getMeter('@layercache/core'));
  const existsFlights = createFlightTable<boolean>();
  const statFlights = createFlightTable<LayerMeta | undefined>();

  function report(operation: ServiceOperation, error: unknown, context: CacheErrorContext): void {
    metrics.cacheError(operation, context.operation);
    if (onError === undefined) return;
    try {
      onError(error, context);
    } catch {
      // A reporter that throws must not turn an answered request into a failed one.
    }
  }

  // Runs one service call: records its outcome and duration whichever way it ends.
  async function measure<T>(
    operation: ServiceOperation,
    signal: AbortSignal | undefined,
    call: (settle: (outcome: ServiceRequestOutcome) => void) => Promise<T>,
  ): Promise<T> {
    const startedAt = performance.now();
    let outcome: ServiceRequestOutcome | undefined;
    try {
      return await call((answered) => {
        outcome = answered;
      });
    } catch (error) {
      outcome = isAbortOf(error, signal) ? 'aborted' : 'error';
      throw error;
    } finally {
      metrics.request(operation, outcome ?? 'error', startedAt);
    }
  }

  // The backend call shared by a flight, followed by its fill write when one is still allowed.
  async function fill<T>(
    operation: 'exists' | 'stat',
    flight: Flight,
    ask: () => Promise<T>,
    found: (answer: T) => boolean,
    write: (answer: T) => Promise<void>,
    writeContext: CacheErrorContext,
  ): Promise<T> {
    let answer: T;
    try {
      answer = await ask();
    } catch (error) {
      metrics.backendCall(operation, flight.abandoned ? 'aborted' : 'error');
      throw error;
    }
    const positive = found(answer);
    metrics.backendCall(operation, positive ? 'found' : 'not_found');
    // Checked and started in the same turn: once `lose` has cleared `writable`, no write starts.
    if (positive && flight.writable) {
      flight.writing = write(answer).catch((error: unknown) =>
        report(operation, error, writeContext),
      );
      await flight.writing;
    }
    return answer;
  }

  const service: CachedLayerService = {
    exists(repo, digest, callOptions?: CallOptions) {
      const { signal, refused, options: passed } = callSignal(callOptions);
      return measure('exists', signal, async (settle) => {
        if (refused !== undefined) throw refused;
        validateRepository(repo);
        validateDigest(digest);
        signal?.throwIfAborted();
        let writable = true;
        try {
          const cached = await cache.contains(repo, digest, passed);
          metrics.lookup('exists', cached);
          if (cached) {
            settle('hit');
            return true;
          }
        } catch (error) {
          if (isAbortOf(error, signal)) throw error;
          writable = false;
          report('exists', error, { operation: 'contains', repo, digest });
        }
        const found = await existsFlights.join(
          digest,
          repo,
          (flight) =>
            fill(
              'exists',
              flight,
              // Exactly `true`: anything else the backend returns is not proof of membership.
              async () => (await backend.exists(repo, digest, flight.backendOptions)) === true,
              (answer) => answer,
              () => cache.add(repo, digest),
              { operation: 'add', repo, digest },
            ),
          signal,
          writable,
        );
        settle(writable ? 'miss' : 'cache_error');
        return found;
      });
    },

    stat(digest, callOptions?: CallOptions) {
      const { signal, refused, options: passed } = callSignal(callOptions);
      return measure('stat', signal, async (settle) => {
        if (refused !== undefined) throw refused;
        validateDigest(digest);
        signal?.throwIfAborted();
        let writable = true;
        try {
          const cached = await cache.meta(digest, passed);
          metrics.lookup('stat', true);
          settle('hit');
          return cached;
        } catch (error) {
          if (isAbortOf(error, signal)) throw error;
          if (isNotFoundError(error)) {
            metrics.lookup('stat', false);
          } else {
            writable = false;
            report('stat', error, { operation: 'meta', digest });
          }
        }
        const meta = await statFlights.join(
          digest,
          STAT_SLOT,
          (flight) =>
            fill(
              'stat',
              flight,
              () => backend.stat(digest, flight.backendOptions),
              (found) => found !== undefined && found !== null,
              (found) => cache.setMeta(digest, found!),
              { operation: 'setMeta', digest },
            ),
          signal,
          writable,
        );
        settle(writable ? 'miss' : 'cache_error');
        return meta;
      });
    },

    invalidate(repo, digest) {
      return measure('invalidate', undefined, async (settle) => {
        validateRepository(repo);
        validateDigest(digest);
        // Lose first, then delete: a fill write that had already started lands before the delete.
        await existsFlights.lose(digest, repo);
        await removing('invalidate', 'remove', () => cache.remove(repo, digest));
        settle('ok');
      });
    },

    forget(digest) {
      return measure('forget', undefined, async (settle) => {
        validateDigest(digest);
        await Promise.all([existsFlights.lose(digest), statFlights.lose(digest, STAT_SLOT)]);
        // Both are attempted even if one fails; the caller hears of the first failure.
        const forgetting = cache.forgetDigest?.bind(cache);
        const removals = [removing('forget', 'deleteMeta', () => cache.deleteMeta(digest))];
        if (forgetting !== undefined) {
          removals.push(removing('forget', 'forgetDigest', () => forgetting(digest)));
        }
        const failed = (await Promise.allSettled(removals)).find((r) => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        settle('ok');
      });
    },
  };

  async function removing(
    operation: ServiceOperation,
    cacheOperation: CacheOperation,
    remove: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await remove();
    } catch (error) {
      // Rejected rather than reported: the caller must know the deleted entry may still be served.
      metrics.cacheError(operation, cacheOperation);
      throw error;
    }
  }

  return service;
}
