import { createCachedLayerService, ErrorCode, type LayerInfoCache } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import { type RedisServer, sendRedisCommand, startRedisServer } from '../../src/testing/index.js';
import { findSecrets } from '../leaks.js';
import { driver, ownedCache } from './fixture.js';

const TIMEOUT = 500;
const BOUND = TIMEOUT * 1.125 + 400;
const d = digest('credentials');
const ADMIN_PASSWORD = 'admin-Secret-9f3';
const CACHE_PASSWORD = 'cache-Secret-4b1';
const WRONG_PASSWORD = 'wrong-Secret-7c2';
const SECRETS = [ADMIN_PASSWORD, CACHE_PASSWORD, WRONG_PASSWORD];

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer({
    args: ['--user', 'cache', 'on', `>${CACHE_PASSWORD}`, '~*', '+@all'],
  });
  // Set once the helper has seen the server answer (it does not authenticate).
  await sendRedisCommand(server.host, server.port, [
    'CONFIG',
    'SET',
    'requirepass',
    ADMIN_PASSWORD,
  ]);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

/** Every operation's rejection, issued the moment the cache exists (queued in ioredis). */
async function everyFailure(cache: LayerInfoCache): Promise<[string, Error & { code?: string }][]> {
  const calls: [string, () => Promise<unknown>][] = [
    ['contains', () => cache.contains('team/a', d)],
    ['add', () => cache.add('team/a', d)],
    ['remove', () => cache.remove('team/a', d)],
    ['meta', () => cache.meta(d)],
    ['setMeta', () => cache.setMeta(d, { path: '/x', length: 1 })],
    ['deleteMeta', () => cache.deleteMeta(d)],
    ['clear', () => cache.clear()],
  ];
  return Promise.all(
    calls.map(async ([name, call]) => {
      const started = performance.now();
      const error = await call().then(
        () => new Error(`${name} succeeded with a wrong password`),
        (error: Error) => error,
      );
      expect(performance.now() - started, name).toBeLessThan(BOUND);
      return [name, error] as [string, Error & { code?: string }];
    }),
  );
}

function expectWrongPass(failures: [string, Error & { code?: string }][], user: string): void {
  for (const [name, error] of failures) {
    expect(error.code, name).toBe(ErrorCode.Unavailable);
    expect(error.message, name).toBe(
      `layercache redis: ${name} failed: WRONGPASS for user "${user}": invalid username-password pair or user is disabled.`,
    );
    expect(findSecrets(error, SECRETS), name).toEqual([]);
  }
}

describe(`${driver}: credentials never leave in an error`, () => {
  it('a wrong password in the URL: WRONGPASS for the user, no password anywhere in the error', async () => {
    const url = `redis://cache:${WRONG_PASSWORD}@${server.host}:${server.port}`;
    await using cache = ownedCache({ url, commandTimeoutMs: TIMEOUT });
    expectWrongPass(await everyFailure(cache), 'cache');
  });

  it('a wrong password in the redis options: WRONGPASS for the user, no password anywhere', async () => {
    const where =
      driver === 'ioredis'
        ? { host: server.host, port: server.port }
        : { socket: { host: server.host, port: server.port } };
    await using cache = ownedCache({
      redis: { ...where, username: 'cache', password: WRONG_PASSWORD },
      commandTimeoutMs: TIMEOUT,
    });
    expectWrongPass(await everyFailure(cache), 'cache');
  });

  it('a wrong requirepass password: WRONGPASS for user "default", no password anywhere', async () => {
    const url = `redis://:${WRONG_PASSWORD}@${server.host}:${server.port}`;
    await using cache = ownedCache({ url, commandTimeoutMs: TIMEOUT });
    expectWrongPass(await everyFailure(cache), 'default');
  });

  it('a borrowed client with a wrong password: no password anywhere in the errors', async () => {
    const credentials = { username: 'cache', password: WRONG_PASSWORD };
    const { client, close } =
      driver === 'ioredis'
        ? (() => {
            const client = new Redis({
              host: server.host,
              port: server.port,
              ...credentials,
              maxRetriesPerRequest: 1,
              commandTimeout: TIMEOUT,
            });
            return { client, close: () => client.disconnect() };
          })()
        : (() => {
            const client = createClient({
              socket: { host: server.host, port: server.port },
              ...credentials,
            });
            // Open (connecting) when lent: node-redis never connects by itself.
            client.connect().catch(() => {});
            return { client, close: () => void client.destroy() };
          })();
    client.on('error', () => {});
    try {
      await using cache = createRedisCache({ client, commandTimeoutMs: TIMEOUT });
      expectWrongPass(await everyFailure(cache), 'cache');
    } finally {
      close();
    }
  });

  it("the read-through service's onError receives no password (where users log)", async () => {
    const url = `redis://cache:${WRONG_PASSWORD}@${server.host}:${server.port}`;
    await using cache = ownedCache({ url, commandTimeoutMs: TIMEOUT });
    const reported: unknown[] = [];
    const service = createCachedLayerService(
      cache,
      { exists: async () => true, stat: async () => ({ path: '/blob', length: 3 }) },
      { onError: (error) => reported.push(error) },
    );
    expect(await service.exists('team/a', d)).toBe(true);
    expect(await service.stat(d)).toEqual({ path: '/blob', length: 3 });
    expect(reported.length).toBeGreaterThan(0);
    for (const error of reported) {
      expect(error).toMatchObject({ code: ErrorCode.Unavailable });
      expect(findSecrets(error, SECRETS)).toEqual([]);
    }
  });

  it('the right password works (the failures above are the password, not the setup)', async () => {
    const url = `redis://cache:${CACHE_PASSWORD}@${server.host}:${server.port}`;
    await using cache = ownedCache({ url, keyPrefix: 'credentials-ok:' });
    await cache.add('team/a', d);
    expect(await cache.contains('team/a', d)).toBe(true);
    await cache.clear();
  });

  it('a malformed URL is refused without echoing its password', () => {
    let thrown: unknown;
    try {
      createRedisCache({ url: `redis://cache:${WRONG_PASSWORD}@127.0.0.1:99999` });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: ErrorCode.InvalidArgument,
      argument: 'url',
      message: 'createRedisCache: url is not a valid URL: "redis://cache:***@127.0.0.1:99999"',
    });
    expect(findSecrets(thrown, SECRETS)).toEqual([]);
  });

  it('a URL naming a database that is not a number is refused (ioredis would use database 0)', () => {
    expect(() =>
      createRedisCache({ url: `redis://cache:${WRONG_PASSWORD}@127.0.0.1:6379/two` }),
    ).toThrow(
      'createRedisCache: url must name a database as a number (redis://host:6379/2), got "redis://cache:***@127.0.0.1:6379/two"',
    );
  });
});

describe(`${driver}: connection failures name their cause`, () => {
  async function firstFailure(url: string): Promise<Error> {
    await using cache = ownedCache({ url, commandTimeoutMs: TIMEOUT });
    const [, error] = (await everyFailure(cache))[0]!;
    expect(error).toMatchObject({ code: ErrorCode.Unavailable });
    expect(findSecrets(error, SECRETS)).toEqual([]);
    return error;
  }

  it('nothing listening: connect ECONNREFUSED and the address', async () => {
    const error = await firstFailure(`redis://cache:${WRONG_PASSWORD}@127.0.0.1:1`);
    expect(error.message).toBe(
      'layercache redis: contains failed: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('a host that does not resolve: the DNS error and the host name', async () => {
    const error = await firstFailure(`redis://cache:${WRONG_PASSWORD}@redis.invalid:6379`);
    expect(error.message).toMatch(
      /^layercache redis: contains failed: getaddrinfo (ENOTFOUND|EAI_AGAIN) redis\.invalid$/,
    );
  });

  it('a Cluster none of whose startup nodes answers names them', async () => {
    await using cache = ownedCache({
      cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] },
      commandTimeoutMs: TIMEOUT,
    });
    const error = await cache.contains('team/a', d).then(
      () => new Error('resolved'),
      (error: Error) => error,
    );
    // ioredis says what it was doing; node-redis reports the node's own connection error.
    expect(error.message).toMatch(
      driver === 'ioredis'
        ? /: Failed to refresh slots cache\. \(could not connect to any startup node \(127\.0\.0\.1:1\)\)$/
        : /: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
  });

  it('a server that stops answering: which command, which key, how long (not "Command timed out")', async () => {
    await using frozen = await startRedisServer();
    const keyPrefix = 'frozen:';
    await using cache = ownedCache({ url: frozen.url, keyPrefix, commandTimeoutMs: TIMEOUT });
    await cache.add('team/a', d);
    process.kill(frozen.pid!, 'SIGSTOP');
    try {
      const started = performance.now();
      const error = await cache.contains('team/a', d).then(
        () => new Error('resolved'),
        (error: Error) => error,
      );
      expect(performance.now() - started).toBeLessThan(BOUND);
      // ioredis' own timer (an owned client's commandTimeout) fires first and names the command;
      // node-redis has none (turned off on owned clients): core's deadline answers.
      expect(error.message).toBe(
        driver === 'ioredis'
          ? `layercache redis: contains failed: Redis did not answer ZSCORE ${keyPrefix}r:team/a within ${TIMEOUT} ms`
          : `layercache redis: contains timed out: the store did not answer within ${TIMEOUT} ms`,
      );
    } finally {
      process.kill(frozen.pid!, 'SIGCONT');
    }
  });

  it('every call says it, not "Reached the max retries per request limit"', async () => {
    await using cache = ownedCache({
      url: `redis://127.0.0.1:1`,
      commandTimeoutMs: TIMEOUT,
    });
    for (const [name, error] of await everyFailure(cache)) {
      expect(error.message, name).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
      expect(error.message, name).not.toMatch(/max retries/);
    }
  });
});
