import { createCachedLayerService, type LayerInfoCache } from '@layercache/core';
import type { Progress } from '../cli/progress.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { LatencyRecorder, type LatencySummary } from '../measure/latency.js';
import {
  type CountingBackend,
  createFilesystemBackend,
  type LayerBackend,
} from '../storage/backend.js';
import type { BlobRequest } from './workload.js';

/** What one replay (without or with the cache) did. */
export interface ReplayResult {
  readonly requests: number;
  /** Calls that reached the (slow) storage backend. */
  readonly backendCalls: { readonly exists: number; readonly stat: number; readonly total: number };
  /** Per request (exists + stat), in milliseconds. */
  readonly latencyMs: LatencySummary;
  /** Requests per second. */
  readonly throughput: number;
  readonly durationMs: number;
}

/** A replay through the cache: also how often the cache answered, and cache errors. */
export interface CachedReplayResult extends ReplayResult {
  /** Share of the service's calls (exists + stat) answered without the backend. */
  readonly hitRatio: number;
  readonly cacheErrors: number;
}

/**
 * Replays `requests` at `concurrency` against `backend`, recording each request's answer as a
 * compact string (`-` for "not linked", `path:length` otherwise) so two replays can be compared.
 */
async function replay(
  label: string,
  backend: LayerBackend,
  requests: readonly BlobRequest[],
  concurrency: number,
  progress: Progress,
): Promise<{
  answers: string[];
  latency: LatencyRecorder;
  durationMs: number;
  throughput: number;
}> {
  const answers: string[] = new Array(requests.length);
  const latency = new LatencyRecorder();
  progress.start(label, requests.length);
  try {
    const result = await runClosedLoop(
      async (i) => {
        const { repo, digest } = requests[i]!;
        if (!(await backend.exists(repo, digest))) {
          answers[i] = '-';
          return;
        }
        const meta = await backend.stat(digest);
        answers[i] = meta === undefined ? '?' : `${meta.path}:${meta.length}`;
      },
      {
        concurrency,
        operations: requests.length,
        latency,
        // Requests take milliseconds: time every one of them.
        latencyStride: 1,
        onDone: () => progress.increment(),
      },
    );
    return { answers, latency, durationMs: result.elapsedMs, throughput: result.throughput };
  } finally {
    progress.stop();
  }
}

function summarize(
  requests: number,
  backend: CountingBackend,
  run: { latency: LatencyRecorder; durationMs: number; throughput: number },
): ReplayResult {
  const { exists, stat } = backend.calls;
  const latencyUs = run.latency.summary();
  run.latency.destroy();
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    requests,
    backendCalls: { exists, stat, total: exists + stat },
    latencyMs: {
      p50: ms(latencyUs.p50),
      p99: ms(latencyUs.p99),
      mean: ms(latencyUs.mean),
      max: ms(latencyUs.max),
    },
    throughput: Math.round(run.throughput),
    durationMs: Math.round(run.durationMs),
  };
}

/** Options of {@link replayWithAndWithoutCache}. */
export interface ReplayPairOptions {
  readonly root: string;
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly requests: readonly BlobRequest[];
  readonly cache: LayerInfoCache;
  readonly progress: Progress;
}

/** Both replays of the demo, and whether they gave the same answer to every request. */
export interface ReplayPair {
  readonly withoutCache: ReplayResult;
  readonly withCache: CachedReplayResult;
  readonly mismatches: number;
}

/**
 * Replays the same requests twice on fresh filesystem backends: straight, then through
 * `createCachedLayerService` on `cache` (which starts empty, so the first pull of every blob is a
 * real miss).
 */
export async function replayWithAndWithoutCache(options: ReplayPairOptions): Promise<ReplayPair> {
  const { root, latencyMs, concurrency, requests, cache, progress } = options;

  const plainBackend = createFilesystemBackend(root, { latencyMs });
  const plain = await replay('without cache', plainBackend, requests, concurrency, progress);

  const cachedBackend = createFilesystemBackend(root, { latencyMs });
  let cacheErrors = 0;
  let serviceCalls = 0;
  const service = createCachedLayerService(cache, cachedBackend, {
    onError: () => {
      cacheErrors++;
    },
  });
  const countingService: LayerBackend = {
    exists(repo, digest) {
      serviceCalls++;
      return service.exists(repo, digest);
    },
    stat(digest) {
      serviceCalls++;
      return service.stat(digest);
    },
  };
  const cached = await replay('with cache', countingService, requests, concurrency, progress);

  let mismatches = 0;
  for (let i = 0; i < requests.length; i++) {
    if (plain.answers[i] !== cached.answers[i]) mismatches++;
  }
  const withCache = summarize(requests.length, cachedBackend, cached);
  return {
    withoutCache: summarize(requests.length, plainBackend, plain),
    withCache: {
      ...withCache,
      hitRatio: serviceCalls === 0 ? 0 : 1 - withCache.backendCalls.total / serviceCalls,
      cacheErrors,
    },
    mismatches,
  };
}
