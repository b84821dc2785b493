import { readFileSync } from 'node:fs';
import { ErrorCode, type LayerInfoCache } from '@layercache/core';
import { describeLayerInfoCache, digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import {
  type RedisCluster,
  type RedisServer,
  sendRedisCommand,
  startRedisCluster,
  startRedisServer,
} from '../src/testing/index.js';
import { findSecrets } from './leaks.js';
import { uniquePrefix } from './servers.js';

// The ACL line of the README, as a user would copy it: the tests run under exactly that.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const aclLine = /^ACL SETUSER registry (.+)$/m.exec(readme)?.[1];
if (aclLine === undefined) throw new Error('README.md has no "ACL SETUSER registry …" line');
const PASSWORD = 'acl-Pa55-w0rd';
const RULES = aclLine.replace('>PASSWORD', `>${PASSWORD}`).split(' ');
const without = (...commands: string[]) => RULES.filter((rule) => !commands.includes(rule));
const userArgs = (name: string, rules: readonly string[]) => ['--user', name, ...rules];

const TIMEOUT = 500;
const BOUND = TIMEOUT * 1.125 + 400;
const d = digest('acl');

let server: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [server, cluster] = await Promise.all([
    startRedisServer({
      args: [
        ...userArgs('registry', RULES),
        // The same user without SELECT, and users missing one data command each.
        ...userArgs('noselect', without('+select')),
        ...userArgs('nozscore', without('+zscore')),
      ],
    }),
    startRedisCluster({ args: userArgs('registry', RULES) }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()]);
});

function urlFor(user: string, database?: number): string {
  return `redis://${user}:${PASSWORD}@${server.host}:${server.port}${database === undefined ? '' : `/${database}`}`;
}

// The key pattern of the ACL is `~layercache:*`: the suite's caches live under it.
describeLayerInfoCache(
  'redis standalone under the README ACL (key pattern layercache:*)',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      url: urlFor('registry', 3),
      keyPrefix: `layercache:${storageId}:`,
      ttlMs,
      meter,
    }),
  { ttl: true, durable: true, metrics: true },
);

describeLayerInfoCache(
  'redis cluster under the README ACL (key pattern layercache:*)',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      cluster: {
        nodes: cluster.nodes,
        options: { redisOptions: { username: 'registry', password: PASSWORD } },
      },
      keyPrefix: `layercache:${storageId}:`,
      ttlMs,
      meter,
    }),
  { ttl: true, durable: true, metrics: true },
);

async function failure(call: Promise<unknown>): Promise<Error & { code?: string }> {
  return call.then(
    (value) => {
      throw new Error(`resolved ${String(value)} instead of failing`);
    },
    (error: Error) => error,
  );
}

describe('under an ACL', () => {
  it('the README ACL lets every command through: Redis logged no denial', async () => {
    await sendRedisCommand(server.host, server.port, ['ACL', 'LOG', 'RESET']);
    await using cache = createRedisCache({
      url: urlFor('registry', 3),
      keyPrefix: `layercache:${uniquePrefix('log')}`,
      ttlMs: 60_000,
    });
    await cache.add('team/a', d);
    await cache.contains('team/a', d);
    await cache.remove('team/a', d);
    await cache.setMeta(d, { path: '/p', length: 1 });
    await cache.meta(d);
    await cache.deleteMeta(d);
    await cache.clear();
    const log = (await sendRedisCommand(server.host, server.port, ['ACL', 'LOG'])) as unknown[];
    expect(JSON.stringify(log)).not.toMatch(/"username","registry"/);
  });

  it('a database the user may not SELECT fails every call in bounded time, naming NOPERM and SELECT', async () => {
    await using cache = createRedisCache({ url: urlFor('noselect', 2), commandTimeoutMs: TIMEOUT });
    const started = performance.now();
    const error = await failure(cache.contains('team/a', d));
    expect(performance.now() - started).toBeLessThan(BOUND);
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toBe(
      "layercache redis: contains failed: cannot select database 2: NOPERM this user has no permissions to run the 'select' command",
    );
  });

  it('two caches for databases 1 and 2 under an ACL without SELECT never see each other (no fallback to database 0)', async () => {
    const keyPrefix = 'layercache:databases:';
    const one = createRedisCache({
      url: urlFor('noselect', 1),
      keyPrefix,
      commandTimeoutMs: TIMEOUT,
    });
    const two = createRedisCache({
      url: urlFor('noselect', 2),
      keyPrefix,
      commandTimeoutMs: TIMEOUT,
    });
    try {
      // Issued at once (before the connections are up) and again once they have settled.
      for (let round = 0; round < 2; round++) {
        const results = await Promise.allSettled([
          one.add('team/only-one', d),
          two.contains('team/only-one', d),
          two.add('team/only-two', d),
          one.contains('team/only-two', d),
        ]);
        for (const result of results) {
          expect(result).toMatchObject({
            status: 'rejected',
            reason: { code: ErrorCode.Unavailable },
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Nothing reached database 0 either.
      const keys = await sendRedisCommand(server.host, server.port, ['KEYS', `${keyPrefix}*`]);
      expect(keys).toEqual([]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a borrowed client whose SELECT failed before it was lent is refused too (never database 0)', async () => {
    const client = new Redis(urlFor('noselect', 2));
    client.on('error', () => {});
    try {
      // ioredis reports the failed SELECT as an error event and goes on with database 0.
      await new Promise((resolve) => client.once('ready', resolve));
      expect(client.status).toBe('ready');
      await using cache = createRedisCache({
        client,
        keyPrefix: 'layercache:borrowed-db:',
        commandTimeoutMs: TIMEOUT,
      });
      const error = await failure(cache.add('team/a', d));
      expect(error.message).toBe(
        "layercache redis: add failed: cannot select database 2: NOPERM this user has no permissions to run the 'select' command",
      );
      const keys = await sendRedisCommand(server.host, server.port, [
        'KEYS',
        'layercache:borrowed-db:*',
      ]);
      expect(keys).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('a borrowed client lent before it connected: its failed SELECT is seen, and calls fail', async () => {
    const client = new Redis(urlFor('noselect', 2), { lazyConnect: true });
    client.on('error', () => {});
    try {
      await using cache = createRedisCache({ client, commandTimeoutMs: TIMEOUT });
      const error = await failure(cache.contains('team/a', d));
      expect(error.message).toMatch(/cannot select database 2: NOPERM/);
    } finally {
      client.disconnect();
    }
  });

  it('a borrowed client on a database it may select works (the check passes)', async () => {
    const client = new Redis(urlFor('registry', 4));
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      await using cache = createRedisCache({
        client,
        keyPrefix: `layercache:${uniquePrefix('db4')}`,
      });
      await cache.add('team/a', d);
      expect(await cache.contains('team/a', d)).toBe(true);
      await cache.clear();
    } finally {
      client.disconnect();
    }
  });

  it('a command the ACL denies is named (NOPERM and the command), also inside MULTI instead of EXECABORT', async () => {
    await using cache: LayerInfoCache = createRedisCache({
      url: urlFor('nozscore'),
      keyPrefix: `layercache:${uniquePrefix('nozscore')}`,
      commandTimeoutMs: TIMEOUT,
    });
    const contains = await failure(cache.contains('team/a', d));
    expect(contains.message).toMatch(
      /^layercache redis: contains failed: .*NOPERM this user has no permissions to run the 'zscore' command/,
    );
    const remove = await failure(cache.remove('team/a', d));
    expect(remove.message).toMatch(
      /NOPERM this user has no permissions to run the 'zscore' command/,
    );
    expect(remove.message).not.toMatch(/EXECABORT/);
  });

  it('a Cluster with a wrong password says WRONGPASS for the user, and the password is nowhere in the error', async () => {
    const wrong = 'wrong-Cluster-Pa55';
    await using cache = createRedisCache({
      cluster: {
        nodes: cluster.nodes,
        options: { redisOptions: { username: 'registry', password: wrong } },
      },
      commandTimeoutMs: TIMEOUT,
    });
    const error = await failure(cache.contains('team/a', d));
    expect(error.code).toBe(ErrorCode.Unavailable);
    // Whether ioredis is still connecting or has given up refreshing the slots when the deadline
    // passes depends on timing; either way the cause names the user and says WRONGPASS.
    expect(error.message).toMatch(
      /WRONGPASS for user "registry": invalid username-password pair or user is disabled\.\)?$/,
    );
    expect(findSecrets(error, [wrong, PASSWORD])).toEqual([]);
  });

  it("a key outside the user's pattern is named with the command and the key", async () => {
    await using cache = createRedisCache({
      url: urlFor('registry'),
      keyPrefix: 'elsewhere:',
      commandTimeoutMs: TIMEOUT,
    });
    const error = await failure(cache.contains('team/a', d));
    expect(error.message).toBe(
      'layercache redis: contains failed: ZSCORE elsewhere:r:team/a: NOPERM this user has no permissions to access one of the keys used as arguments',
    );
  });
});
