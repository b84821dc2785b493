import type { LatencyRecorder } from './latency.js';

/**
 * Latency is timed on every 7th call. Reading the clock twice and recording into the histogram
 * costs about as much as a `Map` lookup behind `async`, so timing every call would halve the
 * throughput of the fastest subjects and squeeze their ratios toward 1. 7 is co-prime with the
 * read-heavy mix's cycle of 10, so every kind of call in the mix is sampled alike. The deadline
 * is checked on the timed calls too (at most 7 calls late).
 */
export const LATENCY_STRIDE = 7;

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Operations kept in flight at once. */
  readonly concurrency: number;
  /** Stop starting new operations after this long (milliseconds). */
  readonly durationMs?: number;
  /** Or stop after this many operations (whichever comes first). */
  readonly operations?: number;
  /** Receives the latency of every `latencyStride`th operation. */
  readonly latency?: LatencyRecorder;
  /** Time one call in this many. Default: {@link LATENCY_STRIDE}; 1 times every call. */
  readonly latencyStride?: number;
  /** Called after every completed operation (progress bars). */
  readonly onDone?: () => void;
}

/** What a closed-loop run did. */
export interface ClosedLoopResult {
  readonly operations: number;
  readonly elapsedMs: number;
  /** Operations per second. */
  readonly throughput: number;
}

/**
 * Runs `operation(i)` for i = 0, 1, 2… from `concurrency` workers, each starting its next call as
 * soon as its previous one resolved (a closed loop, like `concurrency` clients). A latency is the
 * time from the call to its resolution, so at high concurrency it includes the wait for the event
 * loop and the backend's queue — what a caller sees. Calls that are not timed still count for
 * throughput.
 */
export async function runClosedLoop(
  operation: (i: number) => Promise<unknown>,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  const { concurrency, durationMs = Number.POSITIVE_INFINITY, latency, onDone } = options;
  const stride = options.latencyStride ?? LATENCY_STRIDE;
  const limit = options.operations ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(durationMs) && !Number.isFinite(limit)) {
    throw new RangeError('runClosedLoop needs durationMs or operations');
  }
  let next = 0;
  let done = 0;
  let stop = false;
  const start = performance.now();
  const deadline = start + durationMs;

  const worker = async () => {
    while (!stop && next < limit) {
      const i = next++;
      if (i % stride !== 0) {
        await operation(i);
      } else {
        const t0 = performance.now();
        await operation(i);
        const t1 = performance.now();
        latency?.record(t1 - t0);
        if (t1 >= deadline) stop = true;
      }
      done++;
      onDone?.();
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker());
  try {
    await Promise.all(workers);
  } finally {
    stop = true;
  }
  const elapsedMs = performance.now() - start;
  return { operations: done, elapsedMs, throughput: (done * 1000) / elapsedMs };
}
