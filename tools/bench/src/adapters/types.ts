import type { LayerInfoCache, LayerMeta } from '@layercache/core';

/** The adapters the tool knows; each is one module in `src/adapters/`. */
export const ADAPTER_NAMES = ['memory', 'lru', 'sqlite', 'redis'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** The peers (what a user would otherwise pick); each is one module in `src/peers/`. */
export const PEER_NAMES = ['keyv-map', 'keyv-sqlite', 'keyv-redis'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** A Redis server the run may use. */
export interface RedisEndpoint {
  readonly url: string;
  /** `true` when this run started it (a throwaway server), `false` for `--redis-url`. */
  readonly owned: boolean;
}

/** What adapters, baselines and peers may draw on while a run lasts. */
export interface RunContext {
  /** A private temporary directory, removed at the end of the run. */
  readonly tmpDir: string;
  /**
   * Every key this run writes to Redis starts with this prefix, so a shared server given with
   * `--redis-url` is never touched outside it (and nothing is ever flushed).
   */
  readonly keyPrefix: string;
  /** The Redis server: `--redis-url`, or a throwaway one started on first use. */
  redis(): Promise<RedisEndpoint>;
  /** The client library of the Redis adapter's own connection (demo `--driver`). */
  readonly redisDriver?: 'ioredis' | 'node-redis';
  /** The Redis adapter's near cache (demo `--near`); none when absent. */
  readonly redisNear?: { readonly max?: number; readonly maxStalenessMs?: number };
}

/**
 * How much storage a subject's data takes, read before and after inserting a known number of
 * entries: `heap` (V8 heap after a full GC), `redis` (`INFO memory` `used_memory`), `file`
 * (database file size after a WAL checkpoint).
 */
export interface FootprintProbe {
  readonly kind: 'heap' | 'redis' | 'file';
  /** Bytes now (for `heap`, the caller measures; this returns 0). */
  read(): Promise<number>;
}

/**
 * One thing the benchmark measures — an adapter, its raw baseline or a peer — reduced to the four
 * operations they all can do. `meta` of a known digest only (the benchmark never asks for unknown
 * metas, so a `NotFoundError` cannot skew a comparison).
 */
export interface Subject {
  /** Shown in tables, e.g. "layercache sqlite" or "raw better-sqlite3". */
  readonly label: string;
  readonly role: 'adapter' | 'baseline' | 'peer';
  contains(repo: string, digest: string): Promise<boolean>;
  add(repo: string, digest: string): Promise<void>;
  meta(digest: string): Promise<LayerMeta | undefined>;
  setMeta(digest: string, meta: LayerMeta): Promise<void>;
  readonly footprint?: FootprintProbe;
  /**
   * Runs the (unmeasured) preload inside one transaction, for subjects whose every autocommit
   * write is an fsync: setup speed only, never used while measuring.
   */
  bulk?(work: () => Promise<void>): Promise<void>;
  /** Releases everything, deleting what it wrote (files, its own Redis keys). */
  close(): Promise<void>;
}

/** An adapter's cache, ready to use, with what it takes to measure and dispose of it. */
export interface AdapterInstance {
  readonly cache: LayerInfoCache;
  readonly footprint?: FootprintProbe;
  /** Closes the cache and removes what it created. */
  close(): Promise<void>;
}

/** One adapter: how to create it, its raw baseline, and the peers it is compared with. */
export interface AdapterModule {
  readonly name: AdapterName;
  /** One line for `--help` and reports. */
  readonly description: string;
  /** Creates the adapter as a user would (DESIGN.md §3 factory and options). */
  create(context: RunContext, id: string): Promise<AdapterInstance>;
  /** Label of the raw baseline, e.g. "raw better-sqlite3". */
  readonly baselineLabel: string;
  /** The backend library doing the same work with nothing of ours on top. */
  createBaseline(context: RunContext, id: string): Promise<Subject>;
  /** Peers this adapter's targets are stated against. */
  readonly peers: readonly PeerName[];
  /**
   * More subjects of the same comparison, measured beside the adapter: the adapter on another
   * client library and that library's raw baseline (Redis: node-redis beside ioredis).
   */
  readonly variants?: readonly SubjectVariant[];
}

/** A further subject of an adapter's comparison (see {@link AdapterModule.variants}). */
export interface SubjectVariant {
  readonly label: string;
  readonly role: 'adapter' | 'baseline';
  create(context: RunContext, id: string): Promise<Subject>;
}

/** A peer: a popular library a user would otherwise pick, doing the same logical work. */
export interface PeerModule {
  readonly name: PeerName;
  readonly label: string;
  create(context: RunContext, id: string): Promise<Subject>;
}

/** Adapts a {@link LayerInfoCache} to a {@link Subject} without an extra async layer. */
export function cacheSubject(label: string, instance: AdapterInstance): Subject {
  const { cache } = instance;
  return {
    label,
    role: 'adapter',
    contains: cache.contains.bind(cache),
    add: cache.add.bind(cache),
    meta: cache.meta.bind(cache),
    setMeta: cache.setMeta.bind(cache),
    ...(instance.footprint === undefined ? {} : { footprint: instance.footprint }),
    close: () => instance.close(),
  };
}

/** The heap probe: the runner measures the V8 heap itself around the inserts. */
export const heapFootprint: FootprintProbe = { kind: 'heap', read: async () => 0 };
