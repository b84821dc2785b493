import { digest } from '@layercache/core/conformance';
import { createRedisCache } from '@layercache/redis';
import { type RedisCluster, startRedisCluster } from '@layercache/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layercache, layercacheJson } from './support/cli.js';

// A Redis Cluster named by repeating --redis: keys live on every master, and the commands must
// find them all (a SCAN on one node sees only that node's keys).

let cluster: RedisCluster;
const prefix = 'cli-cluster:';
const repos = Array.from({ length: 24 }, (_, i) => `team/repo-${i}`);
const gone = digest('collected');
const kept = digest('kept');

const args = () => [
  ...cluster.nodes.flatMap((node) => ['--redis', `redis://${node.host}:${node.port}`]),
  '--prefix',
  prefix,
];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  const cache = createRedisCache({ cluster: { nodes: cluster.nodes }, keyPrefix: prefix });
  for (const repo of repos) {
    await cache.add(repo, gone);
    await cache.add(repo, kept);
  }
  await cache.setMeta(gone, { path: '/g', length: 5 });
  await cache.close();
}, 120_000);

afterAll(() => cluster?.stop());

describe('a Redis Cluster through repeated --redis', () => {
  it('stats counts the entries of every master', async () => {
    const stats = await layercacheJson<Record<string, number>>(['stats', ...args()]);
    expect(stats).toMatchObject({
      status: 0,
      memberships: 48,
      repositories: 24,
      metas: 1,
      bytes: 5,
    });
  });

  it('stats with --driver node-redis counts the same entries of every master', async () => {
    const stats = await layercacheJson<Record<string, number>>([
      'stats',
      ...args(),
      '--driver',
      'node-redis',
    ]);
    expect(stats).toMatchObject({ status: 0, memberships: 48, repositories: 24, metas: 1 });
  });

  it('forget removes the blob from repositories on every master', async () => {
    const result = await layercache(
      ['forget', '--from-gc-log', '-', ...args()],
      `blob eligible for deletion: ${gone}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`${gone}: removed meta and 24 memberships`);
    const stats = await layercacheJson<Record<string, number>>(['stats', ...args()]);
    expect(stats).toMatchObject({ memberships: 24, metas: 0 });
  });
});
