import { ErrorCode } from '@layercache/core';
import { describeLayerInfoCache, digest } from '@layercache/core/conformance';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import {
  findFreePort,
  type RedisCluster,
  sendRedisCommand,
  startRedisCluster,
} from '../src/testing/index.js';
import { uniquePrefix, waitFor } from './servers.js';

let cluster: RedisCluster;

// One Cluster for the whole file: creating one takes seconds.
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describeLayerInfoCache(
  'redis cluster',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: `${storageId}:`,
      ttlMs,
      meter,
    }),
  { ttl: true, durable: true, shared: true, metrics: true, forgetDigest: true, entries: true },
);

/** Every key on every current master, read straight from the nodes. */
async function keysOnMasters(pattern: string): Promise<Map<number, string[]>> {
  const byPort = new Map<number, string[]>();
  for (const server of cluster.servers) {
    if (server.pid === undefined) continue;
    const role = String(
      await sendRedisCommand(server.host, server.port, ['ROLE']).then((r) => (r as string[])[0]),
    );
    if (role !== 'master') continue;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = (await sendRedisCommand(server.host, server.port, [
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        '1000',
      ])) as [string, string[]];
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    byPort.set(server.port, keys);
  }
  return byPort;
}

describe('redis cluster specifics', () => {
  it('auto-pipelined calls spread over every slot land on the right master', async () => {
    const prefix = uniquePrefix('slots');
    await using cache = createRedisCache({ cluster: { nodes: cluster.nodes }, keyPrefix: prefix });
    const repos = Array.from({ length: 300 }, (_, i) => `team/repo-${i}`);
    const d = digest('slots');
    // All in flight at once, so auto-pipelining batches commands for many slots together.
    await Promise.all(repos.map((repo) => cache.add(repo, d)));
    await Promise.all(
      repos.map((repo, i) => cache.setMeta(digest(`slots-${i}`), { path: repo, length: i })),
    );
    const found = await Promise.all(repos.map((repo) => cache.contains(repo, d)));
    expect(found.every(Boolean)).toBe(true);
    const metas = await Promise.all(repos.map((_, i) => cache.meta(digest(`slots-${i}`))));
    expect(metas.map((m) => m.path)).toEqual(repos);

    // A client without pipelining agrees, and every master holds part of the keys.
    const plain = new Cluster([...cluster.nodes]);
    try {
      for (const repo of repos.slice(0, 20)) {
        expect(await plain.zscore(`${prefix}r:${repo}`, d.slice('sha256:'.length))).toBe('inf');
      }
    } finally {
      await plain.quit();
    }
    const placed = await keysOnMasters(`${prefix}*`);
    expect(placed.size).toBe(3);
    for (const keys of placed.values()) expect(keys.length).toBeGreaterThan(0);
  });

  it('clear() removes this prefix on every master and leaves other prefixes alone', async () => {
    const prefix = uniquePrefix('clear');
    const other = uniquePrefix('clear-other');
    await using cache = createRedisCache({ cluster: { nodes: cluster.nodes }, keyPrefix: prefix });
    await using neighbour = createRedisCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: other,
    });
    const d = digest('clear');
    const repos = Array.from({ length: 200 }, (_, i) => `team/clear-${i}`);
    await Promise.all(repos.map((repo) => cache.add(repo, d)));
    await Promise.all(repos.map((repo) => neighbour.add(repo, d)));
    await cache.setMeta(d, { path: '/x', length: 1 });
    await neighbour.setMeta(d, { path: '/y', length: 2 });
    const before = await keysOnMasters(`${prefix}*`);
    expect([...before.values()].filter((keys) => keys.length > 0).length).toBe(3);

    await cache.clear();

    const after = await keysOnMasters(`${prefix}*`);
    expect([...after.values()].flat()).toEqual([]);
    expect(
      (await Promise.all(repos.map((repo) => neighbour.contains(repo, d)))).every(Boolean),
    ).toBe(true);
    expect(await neighbour.meta(d)).toEqual({ path: '/y', length: 2 });
    await expect(cache.meta(d)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('a Cluster that cannot be reached rejects within the timeout instead of queueing forever', async () => {
    // A port nothing listens on: ioredis would keep the commands in the Cluster's offline queue.
    await using cache = createRedisCache({
      cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] },
      keyPrefix: uniquePrefix('down'),
      commandTimeoutMs: 300,
    });
    const started = performance.now();
    await expect(cache.contains('team/a', digest('down'))).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    expect(performance.now() - started).toBeLessThan(300 * 1.125 + 250);
  });

  it('a borrowed Cluster client with default options is bounded by commandTimeoutMs too', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: 1 }]);
    client.on('error', () => {});
    try {
      const cache = createRedisCache({
        client,
        keyPrefix: uniquePrefix('down'),
        commandTimeoutMs: 300,
      });
      const started = performance.now();
      await expect(cache.add('team/a', digest('down'))).rejects.toMatchObject({
        code: ErrorCode.Unavailable,
      });
      expect(performance.now() - started).toBeLessThan(300 * 1.125 + 250);
      await cache.close();
      expect(client.status).not.toBe('end');
    } finally {
      client.disconnect();
    }
  });

  it('calls on a Cluster that is not ready wait in the cache, never in its offline queue', async () => {
    // 'localhost' must be resolved first: until then the Cluster has no node to send to and
    // ioredis parks commands in its own queue, where they would run whenever it comes up — long
    // after their callers were told they failed.
    const port = await findFreePort();
    const client = new Cluster([{ host: 'localhost', port }]);
    client.on('error', () => {});
    const queued = () => (client as unknown as { offlineQueue: { length: number } }).offlineQueue;
    try {
      await using cache = createRedisCache({
        client,
        keyPrefix: uniquePrefix('queue'),
        commandTimeoutMs: 300,
      });
      const d = digest('queue');
      const calls = [
        cache.add('team/a', d),
        cache.remove('team/a', d),
        cache.contains('team/a', d),
        cache.setMeta(d, { path: '/x', length: 1 }),
      ];
      expect(queued().length).toBe(0);
      for (const call of calls) {
        await expect(call).rejects.toMatchObject({ code: ErrorCode.Unavailable });
      }
      expect(queued().length).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('a Cluster used the moment it is created waits for it, with and without a signal', async () => {
    const prefix = uniquePrefix('early');
    await using cache = createRedisCache({ cluster: { nodes: cluster.nodes }, keyPrefix: prefix });
    const d = digest('early');
    const { signal } = new AbortController();
    await Promise.all([cache.add('team/a', d), cache.add('team/b', d, { signal })]);
    expect(await cache.contains('team/a', d)).toBe(true);
    expect(await cache.contains('team/b', d)).toBe(true);
  });

  // Last in the file: it changes the Cluster's topology.
  it('after a master is killed, its replica is promoted and calls resume', async () => {
    const prefix = uniquePrefix('failover');
    const timeout = 500;
    await using cache = createRedisCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: prefix,
      commandTimeoutMs: timeout,
    });
    const d = digest('failover');
    const repo = 'team/failover';
    await cache.add(repo, d);

    // Find the master holding the key and wait until its replica has the write.
    const key = `${prefix}r:${repo}`;
    const slot = Number(
      await sendRedisCommand('127.0.0.1', cluster.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', key]),
    );
    const slots = (await sendRedisCommand('127.0.0.1', cluster.nodes[0]!.port, [
      'CLUSTER',
      'SLOTS',
    ])) as [number, number, [string, number]][];
    const range = slots.find(([from, to]) => from <= slot && slot <= to)!;
    const masterPort = Number(range[2][1]);
    const master = cluster.servers.find((server) => server.port === masterPort)!;
    await waitFor(
      async () => {
        const info = String(
          await sendRedisCommand(master.host, master.port, ['INFO', 'replication']),
        );
        const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
        return offset !== undefined && new RegExp(`slave0:.*offset=${offset},`).test(info);
      },
      10_000,
      'the replica to catch up',
    );

    await master.kill('SIGKILL');
    const killedAt = performance.now();
    let failures = 0;
    let slowest = 0;
    await waitFor(
      async () => {
        const started = performance.now();
        try {
          const found = await cache.contains(repo, d);
          // Never a wrong answer during the failover: either true, or a typed error.
          expect(found).toBe(true);
          return true;
        } catch (error) {
          expect(error).toMatchObject({ code: ErrorCode.Unavailable });
          failures += 1;
          slowest = Math.max(slowest, performance.now() - started);
          return false;
        }
      },
      30_000,
      'calls to resume after the failover',
    );
    const recoveryMs = performance.now() - killedAt;
    console.info(
      `cluster failover: calls resumed ${Math.round(recoveryMs)} ms after the master was killed ` +
        `(${failures} calls failed meanwhile, slowest failure ${Math.round(slowest)} ms)`,
    );
    expect(slowest).toBeLessThan(timeout * 1.125 + 250);
    await cache.add(repo, digest('after-failover'));
    expect(await cache.contains(repo, digest('after-failover'))).toBe(true);
  }, 60_000);
});
