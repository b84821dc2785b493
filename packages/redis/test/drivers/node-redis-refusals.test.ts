// What node-redis refuses until it is ported from ioredis: confirmed revocations (a revocation that
// would need a replica's confirmation rejects, and revokes nothing) and the near cache (refused at
// construction). On ioredis the same options work (test/confirm.test.ts, test/near*.test.ts).
import { isInvalidArgumentError, isUnavailableError, type LayerInfoCache } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  startRedisServer,
} from '../../src/testing/index.js';
import { uniquePrefix } from '../servers.js';
import { driver, ownedCache } from './fixture.js';

const REFUSAL = 'not available with the node-redis driver yet';

let cluster: RedisCluster;
let server: RedisServer;
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

describe.skipIf(driver !== 'node-redis')('node-redis: the near cache is refused', () => {
  it('at construction, with InvalidArgumentError naming the reason', () => {
    let error: unknown;
    try {
      ownedCache({ url: 'redis://127.0.0.1:6399', near: { max: 100 } });
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'createRedisCache: near is not available with the node-redis driver yet (its CLIENT ' +
        'TRACKING link is written for ioredis); use driver "ioredis" (or an ioredis client) ' +
        'for a near cache, or leave near out',
    );
  });
});
