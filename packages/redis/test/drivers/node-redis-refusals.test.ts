// What node-redis refuses: the near cache on a Cluster, a Sentinel client or a client that tracks
// for itself (at construction). On a standalone node-redis client it works
// (test/drivers/near*.test.ts); on ioredis also through Sentinel. Confirmed revocations, once
// refused here, work on both libraries (confirm.test.ts).
import { type InvalidArgumentError, isInvalidArgumentError } from '@layercache/core';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import { NEAR_NODE_REDIS_REFUSALS } from '../../src/resolve-options.js';
import {
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
  startRedisCluster,
  startRedisSentinel,
  startRedisServer,
} from '../../src/testing/index.js';
import { driver, type Lent, lendCluster, lendSentinel, ownedCache } from './fixture.js';

let cluster: RedisCluster;
let server: RedisServer;
let sentinel: RedisSentinel | undefined;
beforeAll(async () => {
  if (driver !== 'node-redis') return;
  [cluster, server] = await Promise.all([startRedisCluster(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([cluster?.stop(), server?.stop()]);
});

describe.skipIf(driver !== 'node-redis')('node-redis: where the near cache is refused', () => {
  const lent: Lent[] = [];
  afterAll(async () => {
    await Promise.all(lent.splice(0).map((client) => client.close()));
    await sentinel?.stop();
  });

  /** The InvalidArgumentError `open` throws at construction. */
  function refusal(open: () => unknown): string {
    let error: unknown;
    try {
      open();
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('near');
    return (error as Error).message;
  }

  it('on a Cluster, owned or borrowed, naming the reason', async () => {
    const expected = `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.cluster}`;
    expect(refusal(() => ownedCache({ cluster: { nodes: cluster.nodes }, near: {} }))).toBe(
      expected,
    );
    const borrowed = await lendCluster(cluster.nodes);
    lent.push(borrowed);
    expect(refusal(() => createRedisCache({ client: borrowed.client, near: {} }))).toBe(expected);
  });

  it('on a Sentinel client, naming the reason', async () => {
    sentinel = await startRedisSentinel({ master: server });
    const borrowed = await lendSentinel(sentinel);
    lent.push(borrowed);
    expect(refusal(() => createRedisCache({ client: borrowed.client, near: {} }))).toBe(
      `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.sentinel}`,
    );
  }, 60_000);

  it("on a client with node-redis' own client-side caching (it tracks for itself)", async () => {
    const expected = `createRedisCache: near ${NEAR_NODE_REDIS_REFUSALS.tracking}`;
    expect(
      refusal(() =>
        ownedCache({ url: server.url, redis: { RESP: 3, emitInvalidate: true }, near: {} }),
      ),
    ).toBe(expected);
    const client = createClient({ url: server.url, RESP: 3, clientSideCache: { maxEntries: 10 } });
    client.on('error', () => {});
    await client.connect();
    lent.push({ client, close: async () => void client.destroy() });
    expect(refusal(() => createRedisCache({ client, near: {} }))).toBe(expected);
  });
});
