import { ErrorCode } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, sendRedisCommand, startRedisCluster } from '../../src/testing/index.js';
import { uniquePrefix, waitFor } from '../servers.js';
import { driver, ownedCache } from './fixture.js';

// A Cluster of this file's own: the last test changes its topology.
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

const admin = (...args: string[]) => sendRedisCommand('127.0.0.1', cluster.nodes[0]!.port, args);

describe(`${driver}: Redis Cluster`, () => {
  it('calls in flight together over every slot land on the right master', async () => {
    const prefix = uniquePrefix('slots');
    await using cache = ownedCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: prefix,
    });
    const repos = Array.from({ length: 300 }, (_, i) => `team/repo-${i}`);
    const d = digest('slots');
    await Promise.all(repos.map((repo) => cache.add(repo, d)));
    await Promise.all(
      repos.map((repo, i) => cache.setMeta(digest(`slots-${i}`), { path: repo, length: i })),
    );
    expect((await Promise.all(repos.map((repo) => cache.contains(repo, d)))).every(Boolean)).toBe(
      true,
    );
    const metas = await Promise.all(repos.map((_, i) => cache.meta(digest(`slots-${i}`))));
    expect(metas.map((meta) => meta.path)).toEqual(repos);
    // Each key is where its slot says (asked of each master directly, not through the client).
    const masters = new Set<number>();
    for (const repo of repos.slice(0, 30)) {
      const key = `${prefix}r:${repo}`;
      const slot = Number(await admin('CLUSTER', 'KEYSLOT', key));
      const slots = (await admin('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const port = Number(slots.find(([from, to]) => from <= slot && slot <= to)![2][1]);
      masters.add(port);
      expect(await sendRedisCommand('127.0.0.1', port, ['EXISTS', key]), key).toBe(1);
    }
    expect(masters.size).toBeGreaterThan(1);
  });

  // Last: it changes the Cluster's topology.
  it('a master killed: calls answer true or fail typed until its replica is promoted, then resume', async () => {
    const prefix = uniquePrefix('failover');
    await using cache = ownedCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: prefix,
      commandTimeoutMs: 500,
    });
    const d = digest('failover');
    const repo = 'team/failover';
    await cache.add(repo, d);
    // The master of the key, and its replica caught up with the write.
    const slots = (await admin('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const keySlot = Number(await admin('CLUSTER', 'KEYSLOT', `${prefix}r:${repo}`));
    const range = slots.find(([from, to]) => from <= keySlot && keySlot <= to)!;
    const master = cluster.servers.find((server) => server.port === Number(range[2][1]))!;
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
    await waitFor(
      async () => {
        try {
          // Never a wrong answer during the failover: either true, or a typed error.
          expect(await cache.contains(repo, d)).toBe(true);
          return true;
        } catch (error) {
          expect(error).toMatchObject({ code: ErrorCode.Unavailable });
          return false;
        }
      },
      30_000,
      'calls to resume after the failover',
    );
  }, 60_000);
});
