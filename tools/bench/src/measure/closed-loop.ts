import type { LatencyRecorder } from './latency.js';

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Operations kept in flight at once. */
  readonly concurrency: number;
  /** Stop starting new operations after this long (milliseconds). */
  readonly durationMs?: number;
  /** Or stop after this many operations (whichever comes first). */
  readonly operations?: number;
  /** Receives every operation's latency. */
  readonly latency?: LatencyRecorder;
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
 * loop and the backend's queue — what a caller sees.
 */
export async function runClosedLoop(
  operation: (i: number) => Promise<unknown>,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  const { concurrency, durationMs = Number.POSITIVE_INFINITY, latency, onDone } = options;
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
      const t0 = performance.now();
      await operation(i);
      const t1 = performance.now();
      latency?.record(t1 - t0);
      done++;
      onDone?.();
      if (t1 >= deadline) stop = true;
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
