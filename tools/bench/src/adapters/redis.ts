import type { LayerInfoCache, LayerMeta } from '@layercache/core';
import { createRedisCache } from '@layercache/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { NODE_REDIS_SUBJECT } from '../bench/targets.js';
import { deleteKeysUnder, redisMemoryProbe } from './probes.js';
import { type AdapterInstance, type AdapterModule, cacheSubject } from './types.js';

/** A Redis cache of this run, on either driver, measured by Redis' memory and emptied on close. */
function redisInstance(cache: LayerInfoCache, url: string): AdapterInstance {
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
}

/** `@layercache/redis` against raw ioredis commands with auto-pipelining. */
export const redisAdapter: AdapterModule = {
  name: 'redis',
  description: 'shared, standalone/Sentinel/Cluster (@layercache/redis)',
  async create(context, id) {
    const { url } = await context.redis();
    const cache = createRedisCache({
      url,
      keyPrefix: `${context.keyPrefix}${id}:`,
      ...(context.redisDriver === undefined ? {} : { driver: context.redisDriver }),
      ...(context.redisNear === undefined ? {} : { near: context.redisNear }),
    });
    return redisInstance(cache, url);
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
  // The same comparison on node-redis 6: the adapter with `driver: 'node-redis'`, and raw
  // node-redis with per-command timers off (as the adapter's owned clients are; node-redis'
  // default 5 s timer per command costs about 4× here).
  variants: [
    {
      label: NODE_REDIS_SUBJECT,
      role: 'adapter',
      async create(context, id) {
        const { url } = await context.redis();
        const cache = createRedisCache({
          url,
          driver: 'node-redis',
          keyPrefix: `${context.keyPrefix}${id}:`,
        });
        return cacheSubject(NODE_REDIS_SUBJECT, redisInstance(cache, url));
      },
    },
    {
      label: 'raw node-redis',
      role: 'baseline',
      async create(context, id) {
        const { url } = await context.redis();
        const prefix = `${context.keyPrefix}${id}:`;
        const client = createClient({ url, commandOptions: { timeout: 0 } });
        client.on('error', () => {});
        await client.connect();
        const linksKey = (repo: string) => `${prefix}repository::${repo}::blobs`;
        const metaKey = (digest: string) => `${prefix}blobs::${digest}`;
        return {
          label: 'raw node-redis',
          role: 'baseline',
          async contains(repo, digest) {
            return (await client.sIsMember(linksKey(repo), digest)) === 1;
          },
          async add(repo, digest) {
            await client.sAdd(linksKey(repo), digest);
          },
          async meta(digest): Promise<LayerMeta | undefined> {
            const [path, length] = await client.hmGet(metaKey(digest), ['path', 'length']);
            return path == null ? undefined : { path, length: Number(length) };
          },
          async setMeta(digest, meta) {
            await client.hSet(metaKey(digest), { path: meta.path, length: String(meta.length) });
          },
          footprint: redisMemoryProbe(url),
          async close() {
            try {
              for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
                if (keys.length > 0) await client.unlink(keys);
              }
            } finally {
              client.destroy();
            }
          },
        };
      },
    },
  ],
};
