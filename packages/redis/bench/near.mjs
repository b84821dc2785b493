// Near cache throughput at concurrency 64, side by side with the lru adapter, the Redis adapter
// without `near` and the raw clients (auto-pipelined ioredis, node-redis with its per-command
// timers off: ZSCORE/ZADD/GET/SET), on each client library, best of three rounds:
//
//   pnpm --filter @layercache/redis build && pnpm --filter @layercache/lru build
//   node packages/redis/bench/near.mjs redis://127.0.0.1:PORT [--cluster]
//
// With --cluster, a throwaway Redis Cluster (3 masters, no replicas, from src/testing) is started
// and the near cache on it is measured too (ioredis), as "redis Cluster (near)" (a row for the
// Cluster without near beside it); it is stopped at the end.
//
// Mixes over a warm set of 1 000 memberships in 100 repositories (and their metas):
// - "hits": 100% contains of the warm set;
// - "95/5": 95% contains of the warm set, 5% add to other repositories (issue 13's read-heavy mix);
// - "bench": tools/bench's read-heavy mix — 40% contains hit, 40% meta, 10% contains miss,
//   10% setMeta of the warm digests (misses and writes always go to Redis).
// Only keys under a fresh prefix are written, and deleted at the end.

import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { createLruCache } from '../../lru/dist/index.js';
import { createRedisCache } from '../dist/index.js';
import { startRedisCluster } from '../dist/testing/index.js';

const url = process.argv[2];
if (!url) throw new Error('usage: node near.mjs redis://host:port [--cluster]');
const cluster = process.argv.includes('--cluster')
  ? await startRedisCluster({ replicasPerMaster: 0 })
  : undefined;
const CONCURRENCY = 64;
const OPS = 300_000;
const ROUNDS = 3;
const digest = (i) => `sha256:${i.toString(16).padStart(64, '0')}`;
const WARM = 1000;
const repoOf = (i) => `warm/r${i % 100}`;
const meta = (i) => ({ path: `/docker/registry/v2/blobs/sha256/${i}/data`, length: i });
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const MIXES = {
  hits: (s) => {
    const i = Math.floor(random() * WARM);
    return s.contains(repoOf(i), digest(i));
  },
  '95/5': (s, n) => {
    if (random() < 0.05) return s.add(`cold/r${n % 1000}`, digest(WARM + n));
    const i = Math.floor(random() * WARM);
    return s.contains(repoOf(i), digest(i));
  },
  bench: (s, n) => {
    const i = Math.floor(random() * WARM);
    const slot = n % 10;
    if (slot < 4) return s.contains(repoOf(i), digest(i));
    if (slot < 8) return s.meta(digest(i));
    if (slot < 9) return s.contains(repoOf(i), digest(WARM + i));
    return s.setMeta(digest(i), meta(i));
  },
};

async function measure(subject, mix) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) await mix(subject, next++);
    }),
  );
  return OPS / ((performance.now() - started) / 1000);
}

const prefix = `near-bench-${process.pid}:`;
const rawKey = (k) => `${prefix}raw:${k}`;
const ioredis = new Redis(url, { enableAutoPipelining: true });
// As the cache's owned node-redis clients: node-redis' 5 s timer per command costs throughput.
const nodeRedis = createClient({ url, commandOptions: { timeout: 0 } });
await nodeRedis.connect();
const rawClients = {
  'raw ioredis': {
    add: (repo, d) => ioredis.zadd(rawKey(repo), '+inf', d),
    contains: async (repo, d) => (await ioredis.zscore(rawKey(repo), d)) !== null,
    meta: async (d) => {
      const value = await ioredis.get(rawKey(d));
      return value === null ? undefined : JSON.parse(value);
    },
    setMeta: (d, m) => ioredis.set(rawKey(d), JSON.stringify(m)),
  },
  'raw node-redis': {
    add: (repo, d) => nodeRedis.zAdd(rawKey(repo), { score: Number.POSITIVE_INFINITY, value: d }),
    contains: async (repo, d) => (await nodeRedis.zScore(rawKey(repo), d)) !== null,
    meta: async (d) => {
      const value = await nodeRedis.get(rawKey(d));
      return value === null ? undefined : JSON.parse(value);
    },
    setMeta: (d, m) => nodeRedis.set(rawKey(d), JSON.stringify(m)),
  },
};
const LIBRARIES = ['ioredis', 'node-redis'];
const caches = {};
for (const driver of LIBRARIES) {
  caches[`redis ${driver} (near)`] = createRedisCache({
    url,
    driver,
    keyPrefix: `${prefix}${driver}:n:`,
    near: { max: 100_000 },
  });
  caches[`redis ${driver}`] = createRedisCache({ url, driver, keyPrefix: `${prefix}${driver}:p:` });
}
if (cluster !== undefined) {
  caches['redis Cluster (near)'] = createRedisCache({
    cluster: { nodes: cluster.nodes },
    keyPrefix: `${prefix}cn:`,
    near: { max: 100_000 },
  });
  caches['redis Cluster'] = createRedisCache({
    cluster: { nodes: cluster.nodes },
    keyPrefix: `${prefix}c:`,
  });
}
const subjects = { 'layercache lru': createLruCache({ max: 100_000 }), ...caches, ...rawClients };
for (const subject of Object.values(subjects)) {
  for (let i = 0; i < WARM; i += 1) {
    await subject.add(repoOf(i), digest(i));
    await subject.setMeta(digest(i), meta(i));
  }
}
for (const [name, mix] of Object.entries(MIXES)) {
  const best = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [label, subject] of Object.entries(subjects)) {
      // Warm the near cache (and let a fence complete) before each measurement.
      for (let i = 0; i < WARM; i += 1) await subject.contains(repoOf(i), digest(i));
      await new Promise((resolve) => setTimeout(resolve, 50));
      best[label] = Math.max(best[label] ?? 0, await measure(subject, mix));
    }
  }
  console.log(`mix "${name}" (c=${CONCURRENCY}, best of ${ROUNDS}):`);
  for (const [label, rate] of Object.entries(best)) {
    console.log(`  ${label.padEnd(32)} ${Math.round(rate).toString().padStart(9)} ops/s`);
  }
  for (const driver of LIBRARIES) {
    const near = best[`redis ${driver} (near)`];
    console.log(
      `  ${driver} near ÷ lru ${(near / best['layercache lru']).toFixed(2)}, ` +
        `near ÷ raw ${driver} ${(near / best[`raw ${driver}`]).toFixed(2)}`,
    );
  }
  const clusterNear = best['redis Cluster (near)'];
  if (clusterNear !== undefined) {
    console.log(
      `  Cluster near ÷ lru ${(clusterNear / best['layercache lru']).toFixed(2)}, ` +
        `Cluster near ÷ raw ioredis ${(clusterNear / best['raw ioredis']).toFixed(2)}`,
    );
  }
}
for (const cache of Object.values(caches)) await cache.clear();
for (const key of await ioredis.keys(`${prefix}raw:*`)) await ioredis.del(key);
await Promise.all(Object.values(caches).map((cache) => cache.close()));
await ioredis.quit();
await nodeRedis.close();
await cluster?.stop();
