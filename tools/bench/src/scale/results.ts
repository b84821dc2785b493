import type { AdapterName } from '../adapters/types.js';
import type { Distribution } from './keyspace.js';

/** One workload (uniform or Zipf keys) measured on one subject: read-heavy mix, concurrency 64. */
export interface ScaleThroughput {
  readonly operations: number;
  readonly elapsedMs: number;
  /** Calls per second. */
  readonly throughput: number;
  /** Microseconds, HDR histogram. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** One subject (the adapter or its raw backend) at one size. */
export interface ScaleSubjectResult {
  readonly label: string;
  readonly role: 'adapter' | 'baseline';
  /** Wall time of the preload: `size` memberships, then `size` metas. */
  readonly preload: {
    readonly membershipsMs: number;
    readonly metasMs: number;
    readonly totalMs: number;
    /** Writes (memberships + metas) per second. */
    readonly perSecond: number;
    /** `api` (the adapter's calls, `preloadConcurrency` in flight) or `bulk` (one transaction per chunk). */
    readonly method: 'api' | 'bulk';
  };
  /** Bytes each membership and each meta adds: V8 heap, SQLite file incl. WAL, Redis used_memory. */
  readonly footprint?: {
    readonly kind: 'heap' | 'file' | 'redis';
    readonly perMembership: number;
    readonly perMeta: number;
  };
  readonly workloads: Readonly<Record<Distribution, ScaleThroughput>>;
  readonly error?: string;
}

/** One adapter beside its raw backend at one size. */
export interface ScaleRun {
  readonly adapter: AdapterName;
  readonly size: number;
  readonly repositories: number;
  /** Digests held in arrays (`true`) or derived from the key index on every call. */
  readonly materialized: boolean;
  readonly subjects: readonly ScaleSubjectResult[];
  /** Adapter throughput ÷ raw throughput, same run. */
  readonly ratio: Readonly<Record<Distribution, number | undefined>>;
}

/** One sample of a churn run. */
export interface ChurnSample {
  readonly atMs: number;
  /** V8 heap after a full GC. */
  readonly heapBytes: number;
  /** SQLite file + WAL (sqlite only). */
  readonly fileBytes?: number;
  /** Of which the WAL (sqlite only). */
  readonly walBytes?: number;
  /** What the cache says it holds (lru `stats().bytes`). */
  readonly cacheBytes?: number;
  /** Operations so far. */
  readonly operations: number;
}

/** A cache filled, churned (adds, removes, TTL expiry) and refilled for `durationMs`. */
export interface ChurnResult {
  readonly adapter: 'lru' | 'sqlite';
  readonly durationMs: number;
  /** The options it ran with (lru `maxSize`, TTLs). */
  readonly settings: Readonly<Record<string, number>>;
  readonly operations: number;
  readonly samples: readonly ChurnSample[];
  /** The bound checked and whether it held. */
  readonly verdict: { readonly bound: string; readonly held: boolean; readonly detail: string };
  readonly error?: string;
}

/** Everything a scale run measured (`scale.json`). */
export interface ScaleResults {
  readonly schema: 1;
  readonly kind: 'scale';
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly heapLimitMiB: number;
    readonly loadAverage: readonly number[];
  };
  readonly settings: {
    readonly sizes: readonly number[];
    readonly adapters: readonly AdapterName[];
    readonly concurrency: number;
    readonly preloadConcurrency: number;
    readonly durationMs: number;
    readonly rounds: number;
    readonly zipfSkew: number;
    readonly churnMs: number;
    readonly materializeLimit: number;
    readonly sqlitePragmas: string;
  };
  readonly runs: readonly ScaleRun[];
  readonly skipped: readonly {
    readonly adapter: string;
    readonly size?: number;
    readonly reason: string;
  }[];
  readonly churn: readonly ChurnResult[];
}
