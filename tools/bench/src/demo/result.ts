import type { CachedReplayResult, ReplayResult } from './run.js';

/** What `demo --json` prints: one object, stable field names (tests and scripts read it). */
export interface DemoResult {
  /** Milliseconds added to every backend call to model object storage. Simulated, not measured. */
  readonly simulatedLatencyMs: number;
  readonly adapter: { readonly name: string; readonly detail: string };
  readonly storage: {
    readonly root: string;
    /** `false` when `--root` pointed at an existing storage directory (read-only). */
    readonly generated: boolean;
    readonly repositories: number;
    readonly blobs: number;
    readonly links: number;
  };
  readonly workload: {
    readonly requests: number;
    readonly concurrency: number;
    readonly skew: number;
    readonly foreignRatio: number;
    readonly seed: number;
  };
  readonly withoutCache: ReplayResult;
  readonly withCache: CachedReplayResult;
  /**
   * Per request: backend calls without and with the cache, and (Redis adapter) the commands the
   * Redis server ran during the replay through the cache — fences of a near cache included.
   */
  readonly perRequest: {
    readonly backendCallsWithoutCache: number;
    readonly backendCallsWithCache: number;
    readonly redisCommands?: number;
  };
  /** Backend calls the cache saved, and as a share of the calls without it. */
  readonly saved: { readonly backendCalls: number; readonly ratio: number };
  /** Requests whose answer differed with the cache (must be 0). */
  readonly mismatches: number;
  readonly answersIdentical: boolean;
}
