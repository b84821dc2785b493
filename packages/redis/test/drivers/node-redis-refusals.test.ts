// What node-redis refuses until it is ported from ioredis: confirmed revocations (a revocation that
// would need a replica's confirmation rejects, and revokes nothing) and the near cache on a
// Cluster, a Sentinel client or a client that tracks for itself (refused at construction). On
// ioredis confirmation works (test/confirm.test.ts), and the near cache through Sentinel.
import {
  type InvalidArgumentError,
  isInvalidArgumentError,
  isUnavailableError,
  type LayerInfoCache,
} from '@layercache/core';
import { digest } from '@layercache/core/conformance';
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
import { uniquePrefix } from '../servers.js';
import { driver, type Lent, lendCluster, lendSentinel, ownedCache } from './fixture.js';

const REFUSAL = 'not available with the node-redis driver yet';

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

async function rejection(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isUnavailableError(error)).toBe(true);
  return error as Error;
}

/** The error's message and its causes', one string. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let at = error; at instanceof Error; at = at.cause) parts.push(at.message);
  return parts.join(' | ');
}

describe.skipIf(driver !== 'node-redis')('node-redis: confirmed revocations are refused', () => {
  const cache = (options: { confirmRevocations?: boolean | 'auto' }, on = 'cluster') =>
    ownedCache({
      ...(on === 'cluster' ? { cluster: { nodes: cluster.nodes } } : { url: server.url }),
      keyPrefix: uniquePrefix('refused'),
      ...options,
    });

  async function added(store: LayerInfoCache) {
    const d = digest('refused');
    await store.add('team/refused', d);
    await store.setMeta(d, { path: '/blobs/refused', length: 1 });
    return d;
  }

  it("'auto' on a Cluster with replicas: remove, deleteMeta and clear reject and revoke nothing", async () => {
    await using store = cache({});
    const d = await added(store);
    const removed = await rejection(store.remove('team/refused', d));
    expect(messages(removed)).toContain(REFUSAL);
    expect(messages(removed)).toContain('confirmRevocations: false');
    expect((removed.cause as Error).name).toBe('RevocationConfirmationUnavailableError');
    expect(messages(await rejection(store.deleteMeta(d)))).toContain(REFUSAL);
    expect(messages(await rejection(store.clear()))).toContain(REFUSAL);
    expect(await store.contains('team/refused', d)).toBe(true);
    expect(await store.meta(d)).toEqual({ path: '/blobs/refused', length: 1 });
  });

  it('true rejects a revocation even without a replica', async () => {
    await using store = cache({ confirmRevocations: true }, 'standalone');
    const d = await added(store);
    const error = await rejection(store.remove('team/refused', d));
    expect(messages(error)).toContain(`confirmRevocations is true, but confirmation`);
    expect(await store.contains('team/refused', d)).toBe(true);
  });

  it("'auto' without a replica revokes unconfirmed, as on ioredis", async () => {
    await using store = cache({}, 'standalone');
    const d = await added(store);
    expect(await store.remove('team/refused', d)).toBe(true);
    expect(await store.contains('team/refused', d)).toBe(false);
  });

  it('false on a Cluster with replicas revokes unconfirmed', async () => {
    await using store = cache({ confirmRevocations: false });
    const d = await added(store);
    expect(await store.remove('team/refused', d)).toBe(true);
    expect(await store.deleteMeta(d)).toBe(true);
    await store.clear();
    expect(await store.contains('team/refused', d)).toBe(false);
  });
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
