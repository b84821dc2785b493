import type { LayerMeta } from '@layercache/core';
import { createRedisCache } from '@layercache/redis';
import { Redis } from 'ioredis';
import { deleteKeysUnder, redisMemoryProbe } from './probes.js';
import type { AdapterModule } from './types.js';

/** `@layercache/redis` against raw ioredis commands with auto-pipelining. */
export const redisAdapter: AdapterModule = {
  name: 'redis',
  description: 'shared, standalone/Sentinel/Cluster (@layercache/redis on ioredis)',
  async create(context, id) {
    const { url } = await context.redis();
    const cache = createRedisCache({ url, keyPrefix: `${context.keyPrefix}${id}:` });
    return {
      cache,
      footprint: redisMemoryProbe(url),
      async close() {
        // clear() forgets only this cache's keys (its own prefix), then close releases the client.
        try {
          await cache.clear();
        } finally {
          await cache.close();
        }
      },
    };
  },
  baselineLabel: 'raw ioredis (auto-pipelined)',
  async createBaseline(context, id) {
    const { url } = await context.redis();
    const prefix = `${context.keyPrefix}${id}:`;
    const client = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
    // The Go registry's layout: a set of digests per repository, a hash per blob.
    const linksKey = (repo: string) => `${prefix}repository::${repo}::blobs`;
    const metaKey = (digest: string) => `${prefix}blobs::${digest}`;
    return {
      label: 'raw ioredis (auto-pipelined)',
      role: 'baseline',
      async contains(repo, digest) {
        return (await client.sismember(linksKey(repo), digest)) === 1;
      },
      async add(repo, digest) {
        await client.sadd(linksKey(repo), digest);
      },
      async meta(digest): Promise<LayerMeta | undefined> {
        const [path, length] = await client.hmget(metaKey(digest), 'path', 'length');
        return path == null ? undefined : { path, length: Number(length) };
      },
      async setMeta(digest, meta) {
        await client.hset(metaKey(digest), 'path', meta.path, 'length', String(meta.length));
      },
      footprint: redisMemoryProbe(url),
      async close() {
        try {
          await deleteKeysUnder(client, prefix);
        } finally {
          client.disconnect();
        }
      },
    };
  },
  peers: ['keyv-redis'],
};
