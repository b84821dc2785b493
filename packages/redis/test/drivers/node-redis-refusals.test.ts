// What node-redis refuses at construction: borrowed clients the cache could not answer right
// through (a pool, a client not open, one reading from replicas), and the near cache on a Cluster,
// a Sentinel client or a client that tracks for itself. On a standalone node-redis client the near
// cache works (test/drivers/near*.test.ts); on ioredis also through Sentinel. Confirmed
// revocations, once refused here, work on both libraries (confirm.test.ts).
import { type InvalidArgumentError, isInvalidArgumentError } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { createClient, createClientPool, createCluster, createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import { CLIENT_POOL_REFUSAL } from '../../src/node-redis/check.js';
import { NEAR_NODE_REDIS_REFUSALS } from '../../src/resolve-options.js';
import {
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
  sendRedisCommand,
  startRedisCluster,
  startRedisSentinel,
  startRedisServer,
} from '../../src/testing/index.js';
import { uniquePrefix, waitFor } from '../servers.js';
import { driver, type Lent, lendCluster, lendSentinel, ownedCache } from './fixture.js';

let cluster: RedisCluster;
let server: RedisServer;
let replica: RedisServer | undefined;
let sentinel: RedisSentinel | undefined;
beforeAll(async () => {
  if (driver !== 'node-redis') return;
  [cluster, server] = await Promise.all([startRedisCluster(), startRedisServer()]);
});
afterAll(async () => {
  await sentinel?.stop();
  await Promise.all([cluster?.stop(), server?.stop(), replica?.stop()]);
});

/** A Sentinel watching `server` and its replica, started by the first test that needs one. */
async function watchedBySentinel(): Promise<RedisSentinel> {
  if (replica === undefined) {
    const started = await startRedisServer({
      args: ['--replicaof', server.host, String(server.port)],
    });
    replica = started;
    // Synced, so that revocations are confirmed by it (confirmRevocations: 'auto').
    await waitFor(
      async () =>
        String(
          await sendRedisCommand(started.host, started.port, ['INFO', 'replication']),
        ).includes('master_link_status:up'),
      20_000,
      'the replica to sync',
    );
  }
  sentinel ??= await startRedisSentinel({ master: server });
  return sentinel;
}

/** How many reads (`ZSCORE`, `GET`, `SCAN`, `ZSCAN`) `at` has run. */
async function readsOn(at: RedisServer): Promise<number> {
  const stats = String(await sendRedisCommand(at.host, at.port, ['INFO', 'commandstats']));
  let calls = 0;
  for (const command of ['zscore', 'get', 'scan', 'zscan']) {
    calls += Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  }
  return calls;
}

/** The InvalidArgumentError `open` throws at construction, which must name `argument`. */
function refusal(open: () => unknown, argument: string): string {
  let error: unknown;
  try {
    open();
  } catch (caught) {
    error = caught;
  }
  expect(isInvalidArgumentError(error), String(error)).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  return (error as Error).message;
}

/** Closes the clients a describe lent once it is done. */
function lending(): Lent[] {
  const lent: Lent[] = [];
  afterAll(async () => {
    await Promise.all(lent.splice(0).map((client) => client.close()));
  });
  return lent;
}

describe.skipIf(driver !== 'node-redis')('node-redis: borrowed clients that are refused', () => {
  const lent = lending();

  it('a client pool (createClientPool), which would never be ready: every call would time out', async () => {
    const pool = createClientPool({ url: server.url });
    pool.on('error', () => {});
    await pool.connect();
    lent.push({ client: pool as never, close: async () => void pool.destroy() });
    expect(refusal(() => createRedisCache({ client: pool as never }), 'client')).toBe(
      `createRedisCache: client ${CLIENT_POOL_REFUSAL}`,
    );
    // Refused before anything was sent or listened to: the pool is the caller's, as it was.
    expect(pool.listenerCount('error')).toBe(1);
    expect(await pool.ping()).toBe('PONG');
  });

  it("a lease from a Sentinel client's acquire(), which has no events to follow", async () => {
    const borrowed = await lendSentinel(await watchedBySentinel());
    lent.push(borrowed);
    const lease = await (borrowed.client as ReturnType<typeof createSentinel>).acquire();
    try {
      expect(refusal(() => createRedisCache({ client: lease as never }), 'client')).toMatch(
        /client has no events to follow \(a lease from a Sentinel client's acquire\(\)\?\)/,
      );
    } finally {
      lease.release();
    }
  }, 60_000);

  it('a client that is not open, which node-redis never connects by itself', () => {
    const client = createClient({ url: server.url });
    expect(refusal(() => createRedisCache({ client }), 'client')).toMatch(
      /client is not open \(node-redis\); call `await client.connect\(\)` before lending it/,
    );
  });

  it('a client, Cluster or Sentinel client with a keyPrefix, which SCAN patterns would not get (clear would miss keys)', async () => {
    const { host, port, name } = await watchedBySentinel();
    const clients = [
      createClient({ url: server.url, keyPrefix: 'app:' }),
      createCluster({ rootNodes: cluster.nodes.map((socket) => ({ socket })), keyPrefix: 'app:' }),
      createSentinel({ name, sentinelRootNodes: [{ host, port }], keyPrefix: 'app:' }),
    ];
    for (const client of clients) {
      client.on('error', () => {});
      await client.connect();
      lent.push({ client, close: async () => void client.destroy() });
      expect(refusal(() => createRedisCache({ client }), 'client')).toMatch(
        /client must not set keyPrefix: use the keyPrefix option/,
      );
    }
  }, 60_000);

  it('a Cluster that reads from replicas (useReplicas), borrowed or in the options of an owned one', async () => {
    const client = createCluster({
      rootNodes: cluster.nodes.map((socket) => ({ socket })),
      useReplicas: true,
    });
    client.on('error', () => {});
    await client.connect();
    lent.push({ client, close: async () => void client.destroy() });
    expect(refusal(() => createRedisCache({ client }), 'client')).toMatch(
      /client must not set useReplicas/,
    );
    expect(
      refusal(
        () => ownedCache({ cluster: { nodes: cluster.nodes, options: { useReplicas: true } } }),
        'cluster',
      ),
    ).toMatch(/cluster must not set useReplicas/);
  });
});

describe.skipIf(driver !== 'node-redis')(
  'node-redis: a Sentinel client with a replica pool',
  () => {
    const lent = lending();

    it('is used, and every read of the cache goes to the master (a replica may still hold a revoked membership)', async () => {
      const { host, port, name } = await watchedBySentinel();
      // replicaPoolSize cannot be read back from the client to refuse it, so reads avoid replicas.
      const client = createSentinel({
        name,
        sentinelRootNodes: [{ host, port }],
        replicaPoolSize: 1,
      });
      client.on('error', () => {});
      await client.connect();
      lent.push({ client, close: async () => void client.destroy() });
      const prefix = uniquePrefix('replica-pool');
      const d = digest('replica-pool');
      // The client itself reads from the replica once it knows it (it connects there on its
      // first read): what the cache's reads must be kept from.
      const untouched = await readsOn(replica!);
      await waitFor(
        () =>
          client.get(`${prefix}control`).then(
            () => true,
            () => false,
          ),
        20_000,
        'a read of the client itself on the replica',
      );
      const before = await readsOn(replica!);
      expect(before).toBeGreaterThan(untouched);
      const cache = createRedisCache({ client, keyPrefix: prefix });
      await cache.add('team/app', d);
      await cache.setMeta(d, { path: '/blobs/replica-pool', length: 1 });
      expect(await cache.contains('team/app', d)).toBe(true);
      expect(await cache.meta(d)).toEqual({ path: '/blobs/replica-pool', length: 1 });
      const listed = [];
      for await (const entry of cache.entries!()) listed.push(entry.kind);
      expect(listed.sort()).toEqual(['membership', 'meta']);
      expect(await cache.remove('team/app', d)).toBe(true);
      expect(await cache.contains('team/app', d)).toBe(false);
      await cache.clear();
      await cache.close();
      expect(await readsOn(replica!)).toBe(before);
    }, 60_000);
  },
);

describe.skipIf(driver !== 'node-redis')('node-redis: where the near cache is refused', () => {
  const lent = lending();
  const nearRefusal = (open: () => unknown) => refusal(open, 'near');

  it('on a Cluster, owned or borrowed, naming the reason', async () => {
    const expected = `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.cluster}`;
    expect(nearRefusal(() => ownedCache({ cluster: { nodes: cluster.nodes }, near: {} }))).toBe(
      expected,
    );
    const borrowed = await lendCluster(cluster.nodes);
    lent.push(borrowed);
    expect(nearRefusal(() => createRedisCache({ client: borrowed.client, near: {} }))).toBe(
      expected,
    );
  });

  it('on a Sentinel client, naming the reason', async () => {
    const borrowed = await lendSentinel(await watchedBySentinel());
    lent.push(borrowed);
    expect(nearRefusal(() => createRedisCache({ client: borrowed.client, near: {} }))).toBe(
      `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.sentinel}`,
    );
  }, 60_000);

  it("on a client with node-redis' own client-side caching (it tracks for itself)", async () => {
    const expected = `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.tracking}`;
    expect(
      nearRefusal(() =>
        ownedCache({ url: server.url, redis: { RESP: 3, emitInvalidate: true }, near: {} }),
      ),
    ).toBe(expected);
    const client = createClient({ url: server.url, RESP: 3, clientSideCache: { maxEntries: 10 } });
    client.on('error', () => {});
    await client.connect();
    lent.push({ client, close: async () => void client.destroy() });
    expect(nearRefusal(() => createRedisCache({ client, near: {} }))).toBe(expected);
  });
});
