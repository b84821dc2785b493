import type { LayerInfoCache } from '@layercache/core';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { keySlot } from '../src/slot.js';
import { type RedisCluster, startRedisCluster } from '../src/testing/index.js';
import {
  checkFrozenLink,
  checkRevocationsAcrossProcesses,
  countingMeter,
  digestOf,
  type FreezingProxy,
  nearHitCheck,
  sleep,
  startFreezingProxy,
} from './near-helpers.js';
import { uniquePrefix, waitFor } from './servers.js';

const STALENESS = 10;

let cluster: RedisCluster;

// One Cluster for the whole file: creating one takes seconds.
beforeAll(async () => {
  cluster = await startRedisCluster();
  process.env.LAYERCACHE_TEST_CLUSTER_NODES = JSON.stringify(cluster.nodes);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A near cache on the Cluster, with its hit and flush counters. */
function openNear(prefix: string) {
  const metrics = countingMeter();
  const cache = createRedisCache({
    cluster: { nodes: cluster.nodes },
    keyPrefix: prefix,
    meter: metrics.meter,
    commandTimeoutMs: 1000,
    near: { maxStalenessMs: STALENESS },
  });
  return { cache, metrics, nearHit: nearHitCheck(cache, metrics) };
}

/** The port of the master serving `key` and of its replica (if one is listed), by CLUSTER SLOTS. */
async function slotOwners(key: string): Promise<{ master: number; replica?: number }> {
  const slot = keySlot(key);
  for (const server of cluster.servers) {
    const node = new Redis(server.port, server.host, { lazyConnect: true, retryStrategy: null });
    node.on('error', () => {});
    try {
      await node.connect();
      const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, ...unknown[]]>;
      for (const [start, end, master, replica] of ranges) {
        if (slot < start || slot > end) continue;
        const port = (entry: unknown) => Number((entry as unknown[])[1]);
        return replica === undefined
          ? { master: port(master) }
          : { master: port(master), replica: port(replica) };
      }
    } catch {
      // A node that is down: ask the next one.
    } finally {
      node.disconnect();
    }
  }
  throw new Error(`no master serves ${key}`);
}

/**
 * The master serving `key` and its replica: polled, since a replica is left out of CLUSTER SLOTS
 * for a moment after a failover or while it syncs.
 */
async function ownersOf(key: string): Promise<{ master: number; replica: number }> {
  let owners: { master: number; replica?: number } | undefined;
  await waitFor(
    async () => {
      owners = await slotOwners(key);
      return owners.replica !== undefined;
    },
    30_000,
    `a master with a replica serving ${key}`,
  );
  return owners as { master: number; replica: number };
}

/** `CONFIG SET` on the node on `port` (a node that is down is left alone). */
async function configureNode(port: number, ...settings: Array<[string, string]>): Promise<void> {
  const node = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: null });
  node.on('error', () => {});
  try {
    await node.connect();
    for (const [name, value] of settings) await node.call('CONFIG', 'SET', name, value);
  } finally {
    node.disconnect();
  }
}

/** `ROLE` of the node on `port`: "master" or "slave" (undefined when it does not answer). */
async function roleOf(port: number): Promise<string | undefined> {
  const node = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: null });
  node.on('error', () => {});
  try {
    await node.connect();
    return String(((await node.call('ROLE')) as unknown[])[0]);
  } catch {
    return undefined;
  } finally {
    node.disconnect();
  }
}

describe('near cache on a Cluster', () => {
  it('answers from process memory for keys on every master and drops what another client revokes', async () => {
    const prefix = uniquePrefix('near-cluster');
    const near = openNear(prefix);
    const other = new Cluster([...cluster.nodes]);
    try {
      const repos = Array.from({ length: 12 }, (_, index) => `spread/repo-${index}`);
      const masters = new Set(
        await Promise.all(
          repos.map(async (repo) => (await slotOwners(`${prefix}r:${repo}`)).master),
        ),
      );
      // The repositories' keys live on every master: tracking on one would not do.
      expect(masters.size).toBe(3);
      for (const repo of repos) await near.cache.add(repo, digestOf(1));
      for (const repo of repos) await waitFor(() => near.nearHit(repo, digestOf(1)), 5000, repo);
      for (const repo of repos) {
        expect(await other.zrem(`${prefix}r:${repo}`, digestOf(1).slice(7))).toBe(1);
        const resolved = performance.now();
        while (await near.cache.contains(repo, digestOf(1))) {
          expect(performance.now() - resolved, repo).toBeLessThan(STALENESS);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      await other.quit();
      await near.cache.close();
    }
  }, 60_000);

  it('never answers true maxStalenessMs after another process removed the membership', async () => {
    const prefix = uniquePrefix('near-cluster-fleet');
    const near = openNear(prefix);
    try {
      await checkRevocationsAcrossProcesses({
        near: near.cache,
        metrics: near.metrics,
        env: { NEAR_TEST_CLUSTER_NODES: JSON.stringify(cluster.nodes), NEAR_TEST_PREFIX: prefix },
        rounds: 300,
        maxStalenessMs: STALENESS,
        // Thirty repositories: their keys are spread over the three masters.
        repoOf: (index) => `fleet/repo-${index % 30}`,
        digestOf,
      });
    } finally {
      await near.cache.close();
    }
  }, 120_000);
});

describe('near cache on a borrowed Cluster client', () => {
  it('shares one tracking link between two caches and leaves the client open', async () => {
    const client = new Cluster([...cluster.nodes]);
    const other = new Cluster([...cluster.nodes]);
    const prefix = uniquePrefix('near-cluster-borrowed');
    const metrics = [countingMeter(), countingMeter()];
    const [one, two] = metrics.map(({ meter }) =>
      createRedisCache({ client, keyPrefix: prefix, meter, near: { maxStalenessMs: STALENESS } }),
    ) as [LayerInfoCache, LayerInfoCache];
    const [repo, digest] = ['borrowed/repo', digestOf(5)];
    try {
      await one.add(repo, digest);
      await waitFor(() => nearHitCheck(one, metrics[0]!)(repo, digest), 10_000, 'a hit in one');
      await waitFor(() => nearHitCheck(two, metrics[1]!)(repo, digest), 10_000, 'a hit in two');
      await one.close();
      // The link stays for the cache still open: it keeps answering from memory, and sees a
      // revocation by another client.
      await waitFor(() => nearHitCheck(two, metrics[1]!)(repo, digest), 10_000, 'a hit in two');
      expect(await other.zrem(`${prefix}r:${repo}`, digest.slice(7))).toBe(1);
      await sleep(STALENESS);
      expect(await two.contains(repo, digest)).toBe(false);
      await two.close();
      expect(client.status).toBe('ready');
      expect(await client.exists(`${prefix}r:${repo}`)).toBe(0);
    } finally {
      await one.close();
      await two.close();
      await other.quit();
      await client.quit();
    }
  }, 60_000);
});

describe('near cache on a Cluster behind frozen links', () => {
  let proxies: FreezingProxy[] = [];

  afterAll(async () => {
    for (const proxy of proxies) proxy.resume();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('stops answering true from the near cache when a master goes silent, then recovers', async () => {
    // Every node behind a proxy the test can freeze; ioredis reaches the nodes through them by
    // natMap (CLUSTER SLOTS names the real addresses).
    proxies = await Promise.all(cluster.nodes.map((node) => startFreezingProxy(node.port)));
    const proxyPort = (index: number) => Number(new URL(proxies[index]!.url).port);
    const natMap = Object.fromEntries(
      cluster.nodes.map((node, index) => [
        `${node.host}:${node.port}`,
        { host: '127.0.0.1', port: proxyPort(index) },
      ]),
    );
    const prefix = uniquePrefix('near-cluster-frozen');
    const metrics = countingMeter();
    const near = createRedisCache({
      cluster: {
        nodes: cluster.nodes.map((_, index) => ({ host: '127.0.0.1', port: proxyPort(index) })),
        options: { natMap },
      },
      keyPrefix: prefix,
      meter: metrics.meter,
      commandTimeoutMs: 300,
      near: { maxStalenessMs: STALENESS },
    });
    const other = new Cluster([...cluster.nodes]);
    const [repo, digest] = ['frozen/repo', digestOf(3)];
    const key = `${prefix}r:${repo}`;
    const nearHit = () => nearHitCheck(near, metrics)(repo, digest);
    try {
      await near.add(repo, digest);
      await waitFor(nearHit, 10_000, 'a near hit');
      const { master } = await slotOwners(key);
      const frozen = proxies[cluster.nodes.findIndex((node) => node.port === master)]!;
      // The store's connection and the subscriber of that master go through the proxy.
      expect(frozen.ports().length).toBeGreaterThanOrEqual(2);
      // The read that finds the entry stale goes to the frozen master and times out.
      await checkFrozenLink({
        near,
        repo,
        digest,
        maxStalenessMs: STALENESS,
        freeze: () => frozen.freeze(),
        resume: () => frozen.resume(),
        revoke: () => other.zrem(key, digest.slice(7)),
        readd: () => other.zadd(key, '+inf', digest.slice(7)),
      });
      await waitFor(nearHit, 10_000, 'a near hit on the re-added membership');
    } finally {
      for (const proxy of proxies) proxy.resume();
      await other.quit();
      await near.close();
    }
  }, 60_000);
});

// The whole suite with the near cache on a Cluster: every answer must stay the model's, and a
// second instance in another process (no near cache) sees writes within the bound.
describeLayerInfoCache(
  'redis Cluster with a near cache',
  ({ storageId, ttlMs }) =>
    createRedisCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: `${storageId}:`,
      ttlMs,
      near: { maxStalenessMs: STALENESS },
    }),
  {
    ttl: true,
    durable: true,
    shared: {
      maxStalenessMs: STALENESS,
      processModule: new URL('./fixtures/cluster-cache.mjs', import.meta.url),
    },
  },
);

describe('near cache across Cluster failovers', () => {
  /**
   * Holds a membership in the near cache, moves its slot to the replica with `move`, removes it
   * through the new master with another client and checks that the near cache answers false
   * `maxStalenessMs` later (and that it was serving the entry from memory right up to the move).
   */
  async function revokeAcrossFailover(
    label: string,
    move: (owners: { master: number; replica: number }) => Promise<void>,
  ) {
    const prefix = uniquePrefix(`near-cluster-${label}`);
    const near = openNear(prefix);
    const [repo, digest] = ['failover/repo', digestOf(7)];
    const key = `${prefix}r:${repo}`;
    await near.cache.add(repo, digest);
    const owners = await ownersOf(key);
    try {
      // The replica has the membership: it is there on the new master after the move.
      const replica = new Redis(owners.replica, '127.0.0.1');
      await replica.call('READONLY');
      await waitFor(
        async () => (await replica.zscore(key, digest.slice(7))) !== null,
        10_000,
        'replication',
      );
      replica.disconnect();
      await waitFor(() => near.nearHit(repo, digest), 10_000, 'a near hit before the move');
      // Once demoted, the old master cannot authenticate to the new one: it never replays the
      // revocation below, so no invalidation comes from it, and only the fences' check of each
      // node's slot map can show that its entries are stale.
      await configureNode(
        owners.master,
        ['masteruser', 'layercache-test-nobody'],
        ['masterauth', 'x'],
      );
      await move(owners);
      await waitFor(
        async () => (await roleOf(owners.replica)) === 'master',
        30_000,
        'the replica promoted',
      );
      await waitFor(
        async () => (await roleOf(owners.master)) !== 'master',
        30_000,
        'the old master demoted or gone',
      );
      // The revocation, by another client, on the new master.
      const promoted = new Redis(owners.replica, '127.0.0.1');
      try {
        expect(await promoted.zrem(key, digest.slice(7))).toBe(1);
      } finally {
        promoted.disconnect();
      }
      const resolved = performance.now();
      await sleep(STALENESS);
      expect(await roleOf(owners.replica)).toBe('master');
      for (let read = 0; read < 20; read += 1) {
        const answer = await near.cache.contains(repo, digest).catch(() => false);
        expect(answer, `${performance.now() - resolved} ms after the revocation`).toBe(false);
      }
      // And the near cache works again on the new topology.
      await near.cache.add(repo, digest);
      await waitFor(() => near.nearHit(repo, digest), 20_000, 'a near hit after the move');
    } finally {
      await configureNode(owners.master, ['masteruser', ''], ['masterauth', '']).catch(() => {});
      await near.cache.close();
    }
  }

  it.each([
    ['CLUSTER FAILOVER', []],
    ['CLUSTER FAILOVER TAKEOVER', ['TAKEOVER']],
  ])(
    'serves nothing revoked through the new master after %s',
    async (label, args) => {
      await revokeAcrossFailover(label.toLowerCase().replaceAll(' ', '-'), async ({ replica }) => {
        const node = new Redis(replica, '127.0.0.1');
        await node.call('CLUSTER', 'FAILOVER', ...args);
        node.disconnect();
      });
      await cluster.waitUntilHealthy(30_000);
    },
    120_000,
  );

  // Last: the cluster is left with a master without replica.
  it('serves nothing revoked through the new master after its master was killed', async () => {
    await revokeAcrossFailover('kill', async ({ master }) => {
      const server = cluster.servers.find((candidate) => candidate.port === master);
      await server!.kill('SIGKILL');
    });
  }, 120_000);
});
