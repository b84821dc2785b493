import type { AdapterName, PeerName } from '../adapters/types.js';

/** The Redis adapter on node-redis, measured beside it (adapters/redis.ts). */
export const NODE_REDIS_SUBJECT = 'layercache redis (node-redis)';

/**
 * The targets (concurrency 64, read-heavy mix), as ratios: ours ÷ theirs, measured in the
 * same run. `baseline` is the adapter's raw backend; `redis-benchmark` the server's own client;
 * `go-registry` the external reference below.
 */
export const TARGETS: readonly {
  readonly adapter: AdapterName;
  /** Our side, when it is not the adapter itself: one of its variants (by label). */
  readonly subject?: string;
  readonly against: 'baseline' | PeerName | 'redis-benchmark' | 'go-registry';
  readonly min: number;
}[] = [
  { adapter: 'memory', against: 'baseline', min: 0.7 },
  { adapter: 'memory', against: 'keyv-map', min: 10 },
  { adapter: 'lru', against: 'baseline', min: 0.7 },
  { adapter: 'lru', against: 'keyv-map', min: 3 },
  { adapter: 'sqlite', against: 'baseline', min: 1.0 },
  { adapter: 'sqlite', against: 'keyv-sqlite', min: 5 },
  // Issue 12: the ioredis driver no slower than today; the node-redis driver (per-command timers
  // off) at twice raw auto-pipelined ioredis.
  { adapter: 'redis', against: 'baseline', min: 0.9 },
  { adapter: 'redis', against: 'redis-benchmark', min: 1.3 },
  { adapter: 'redis', against: 'keyv-redis', min: 1.0 },
  { adapter: 'redis', against: 'go-registry', min: 4 },
  { adapter: 'redis', subject: NODE_REDIS_SUBJECT, against: 'baseline', min: 2.0 },
  { adapter: 'redis', subject: NODE_REDIS_SUBJECT, against: 'keyv-redis', min: 1.5 },
  { adapter: 'redis', subject: NODE_REDIS_SUBJECT, against: 'go-registry', min: 4 },
];

/**
 * The Go registry (distribution 2.8.2) with its Redis blob-descriptor cache, 64 goroutines, on
 * the same kind of machine (2 cores): ~16.6k cached `Stat` calls per second, each a membership
 * check plus a meta read. An external figure quoted by issue 7, not measured by this tool; we put
 * our `stat-pair` throughput on Redis at concurrency 64 beside it.
 */
export const GO_REGISTRY_REFERENCE = {
  pairsPerSecond: 16_600,
  source:
    'distribution/distribution v2.8.2 Redis blob-descriptor cache, 64 goroutines, 2 cores (figure quoted in issue 7, not measured here)',
} as const;
