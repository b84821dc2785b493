import type { LatencySummary } from '../measure/latency.js';
import type { HttpPathResult } from './http-path.js';
import type { OperationName } from './operations.js';

/** One measured cell: a subject doing one operation at one concurrency (rounds merged). */
export interface CellResult {
  readonly subject: string;
  readonly operation: OperationName;
  readonly concurrency: number;
  readonly operations: number;
  readonly elapsedMs: number;
  /** Calls (or stat pairs) per second. */
  readonly throughput: number;
  readonly latencyUs: LatencySummary;
  /** Set when the cell failed; the numbers are then zero. */
  readonly error?: string;
}

/** A subject that took part: an adapter, a raw baseline or a peer. */
export interface SubjectInfo {
  readonly label: string;
  readonly role: 'adapter' | 'baseline' | 'peer';
  /** The adapter whose comparison it belongs to (peers may serve several). */
  readonly adapters: readonly string[];
}

/** Storage taken by `entries` memberships plus `entries` metas, scaled to 100,000 of each. */
export interface FootprintResult {
  readonly subject: string;
  readonly kind: 'heap' | 'redis' | 'file';
  readonly entries: number;
  readonly bytes: number;
  readonly bytesPer100k: number;
  readonly error?: string;
}

/** One `redis-benchmark` run: the server's own ceiling for one command. */
export interface RedisBenchmarkResult {
  readonly command: string;
  readonly operation: OperationName;
  readonly concurrency: number;
  readonly pipeline: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** A target of the issue checked against this run. */
export interface TargetResult {
  readonly adapter: string;
  /** What it is compared with, e.g. "raw lru-cache", "Keyv + Map", "redis-benchmark -P 1". */
  readonly against: string;
  readonly metric: string;
  readonly ours: number | undefined;
  readonly theirs: number | undefined;
  readonly ratio: number | undefined;
  readonly target: number;
  /** `undefined` when either side could not be measured. */
  readonly met: boolean | undefined;
}

/** Everything `bench` writes to `latest.json`. */
export interface BenchResults {
  readonly schema: 1;
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly loadAverage: readonly number[];
  };
  readonly settings: {
    readonly quick: boolean;
    readonly durationMs: number;
    readonly rounds: number;
    readonly keys: number;
    readonly memoryEntries: number;
    readonly concurrencies: readonly number[];
    readonly operations: readonly OperationName[];
  };
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly subjects: readonly SubjectInfo[];
  readonly cells: readonly CellResult[];
  readonly footprints: readonly FootprintResult[];
  readonly redisBenchmark: readonly RedisBenchmarkResult[];
  /** The example registry's HTTP read path (full runs only). */
  readonly httpPath?: HttpPathResult;
  readonly targets: readonly TargetResult[];
  readonly goReference: {
    readonly pairsPerSecond: number;
    readonly source: string;
    readonly ours: number | undefined;
    readonly ratio: number | undefined;
  };
}
