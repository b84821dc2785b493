import { readFileSync } from 'node:fs';
import type { LayerInfoCache } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisCluster,
  type RedisServer,
  sendRedisCommand,
  startRedisCluster,
  startRedisServer,
} from '../../src/testing/index.js';
import { driver, ownedCache } from './fixture.js';

// The README's ACL line, as a user would copy it: every command this run's library sends on
// connect, and every command of the cache, must be in it.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const line = /^ACL SETUSER registry (.+)$/m.exec(readme)?.[1];
if (line === undefined) throw new Error('README.md has no "ACL SETUSER registry …" line');
const PASSWORD = 'acl-Pa55-w0rd';
const user = ['--user', 'registry', ...line.replace('>PASSWORD', `>${PASSWORD}`).split(' ')];
const d = digest('acl-drivers');

let server: RedisServer;
let cluster: RedisCluster;
beforeAll(async () => {
  [server, cluster] = await Promise.all([
    startRedisServer({ args: user }),
    startRedisCluster({ args: user }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()]);
});

async function everyOperation(cache: LayerInfoCache): Promise<void> {
  await cache.add('team/a', d);
  expect(await cache.contains('team/a', d)).toBe(true);
  await cache.setMeta(d, { path: '/blob', length: 1 });
  expect(await cache.meta(d)).toEqual({ path: '/blob', length: 1 });
  expect(await cache.remove('team/a', d)).toBe(true);
  expect(await cache.deleteMeta(d)).toBe(true);
  await cache.clear();
}

/** The denials Redis logged, by the command or key denied. */
async function deniedOn(node: { host: string; port: number }): Promise<string[]> {
  const log = (await sendRedisCommand(node.host, node.port, ['ACL', 'LOG'])) as unknown[][];
  return log.map((entry) => String(entry[entry.indexOf('object') + 1]));
}

describe(`${driver}: under the README ACL`, () => {
  for (const database of ['', '/2']) {
    it(`every operation works on database ${database || '0'}, and Redis logged no denial`, async () => {
      await using cache = ownedCache({
        url: `redis://registry:${PASSWORD}@${server.host}:${server.port}${database}`,
        ttlMs: 60_000,
      });
      await everyOperation(cache);
      expect(await deniedOn(server)).toEqual([]);
    });
  }

  it('every operation works on a Cluster, and no node logged a denial that matters', async () => {
    const credentials = { username: 'registry', password: PASSWORD };
    const options =
      driver === 'ioredis' ? { redisOptions: credentials } : { defaults: credentials };
    await using cache = ownedCache({
      cluster: { nodes: cluster.nodes, options },
      ttlMs: 60_000,
    });
    await everyOperation(cache);
    // ioredis names the connection it refreshes the slots on (`CLIENT SETNAME`); denied, that is
    // ignored by ioredis, and the README leaves it out of the line (see its table).
    const ignored = driver === 'ioredis' ? ['client|setname'] : [];
    for (const node of cluster.nodes) {
      const denied = (await deniedOn(node)).filter((object) => !ignored.includes(object));
      expect(denied, `${node.port}`).toEqual([]);
    }
  });
});
