import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerInfoCache } from '@layercache/core';
import { createLruCache } from '@layercache/lru';
import { createMemoryCache } from '@layercache/memory';
import { createRedisCache } from '@layercache/redis';
import { createSqliteCache } from '@layercache/sqlite';

/** The caches the command can put in front of storage. */
export const ADAPTER_NAMES = ['sqlite', 'memory', 'lru', 'redis'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** Options of {@link openCache}. */
export interface OpenCacheOptions {
  readonly adapter: AdapterName;
  /** For `redis`: the server (credentials in it are never printed). */
  readonly redisUrl?: string;
  /** For `sqlite`: the cache file. Default: a new file in a temporary directory. */
  readonly sqliteFile?: string;
}

/** A cache and what it takes to release it. */
export interface OpenCache {
  readonly cache: LayerInfoCache;
  /** One line for the start-up message. */
  readonly description: string;
  /** Closes the cache and removes what {@link openCache} created for it. */
  close(): Promise<void>;
}

/**
 * Opens the cache a registry process uses. A registry with several replicas shares one cache
 * (Redis, or SQLite for processes on one host) so that a blob DELETE on one replica revokes the
 * membership for all of them; `memory` and `lru` suit a single process.
 *
 * The default SQLite file is a fresh one per run: a cache that outlives the process also
 * outlives what happened to storage meanwhile (a garbage collection run while the registry was
 * down), and should then be cleared before serving. Pass `sqliteFile` to keep one on purpose.
 */
export async function openCache(options: OpenCacheOptions): Promise<OpenCache> {
  switch (options.adapter) {
    case 'memory': {
      const cache = createMemoryCache();
      return { cache, description: 'memory (in-process Map)', close: () => cache.close() };
    }
    case 'lru': {
      const cache = createLruCache({ max: 1_000_000 });
      return { cache, description: 'lru (1M entries)', close: () => cache.close() };
    }
    case 'redis': {
      if (options.redisUrl === undefined) throw new Error('the redis adapter needs a URL');
      const cache = createRedisCache({ url: options.redisUrl, keyPrefix: 'layercache-registry:' });
      return {
        cache,
        description: 'redis (key prefix layercache-registry:)',
        close: () => cache.close(),
      };
    }
    case 'sqlite': {
      if (options.sqliteFile !== undefined) {
        const cache = createSqliteCache({ filename: options.sqliteFile });
        return { cache, description: `sqlite ${options.sqliteFile}`, close: () => cache.close() };
      }
      const dir = await mkdtemp(join(tmpdir(), 'layercache-registry-'));
      const filename = join(dir, 'layers.sqlite');
      const cache = createSqliteCache({ filename });
      return {
        cache,
        description: `sqlite ${filename} (temporary)`,
        async close() {
          try {
            await cache.close();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    }
  }
}
