import { digest } from '@layercache/core/conformance';
import { createRedisCache } from '@layercache/redis';
import { type RedisServer, startRedisServer } from '@layercache/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layercache, layercacheJson } from './support/cli.js';

// --driver node-redis: the same commands through the `redis` package, on a standalone server
// without replicas (where node-redis may revoke without a replica's confirmation).

let server: RedisServer;
const prefix = 'cli-node-redis:';
const gone = digest('collected by node-redis');
const kept = digest('kept by node-redis');
const args = () => ['--redis', server.url, '--prefix', prefix, '--driver', 'node-redis'];

beforeAll(async () => {
  server = await startRedisServer();
  const cache = createRedisCache({ url: server.url, keyPrefix: prefix });
  for (const repo of ['team/a', 'team/b', 'team/c']) {
    await cache.add(repo, gone);
    await cache.add(repo, kept);
  }
  await cache.setMeta(gone, { path: '/g', length: 7 });
  await cache.close();
}, 60_000);

afterAll(() => server?.stop());

describe('--driver node-redis', () => {
  it('stats counts the entries', async () => {
    const stats = await layercacheJson<Record<string, number>>(['stats', ...args()]);
    expect(stats).toMatchObject({ status: 0, memberships: 6, repositories: 3, metas: 1, bytes: 7 });
  });

  it('forget removes the blob from every repository and keeps the others', async () => {
    const result = await layercache(
      ['forget', '--from-gc-log', '-', ...args()],
      `blob eligible for deletion: ${gone}\n`,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${gone}: removed meta and 3 memberships`);
    const stats = await layercacheJson<Record<string, number>>(['stats', ...args()]);
    expect(stats).toMatchObject({ memberships: 3, repositories: 3, metas: 0 });
  });
});
