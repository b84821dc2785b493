import { ErrorCode, type LayerInfoCache } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import {
  findFreePort,
  type RedisServer,
  sendRedisCommand,
  startRedisServer,
} from '../../src/testing/index.js';
import { findSecrets } from '../leaks.js';
import { uniquePrefix, waitFor } from '../servers.js';
import { driver, lendClient, ownedCache } from './fixture.js';

// What the adapter promises when Redis fails, on this run's client library.
const TIMEOUT = 300;
const BOUND = TIMEOUT * 1.125 + 250;
const PASSWORD = 'drv-Pa55-w0rd';
const d = digest('drivers');

let server: RedisServer;
let guarded: RedisServer;
beforeAll(async () => {
  [server, guarded] = await Promise.all([
    startRedisServer(),
    startRedisServer({ args: ['--user', 'cache', 'on', `>${PASSWORD}`, '~ok:*', '+@all'] }),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all([server?.stop(), guarded?.stop()]);
});

const calls = (cache: LayerInfoCache): [string, () => Promise<unknown>][] => [
  ['contains', () => cache.contains('team/a', d)],
  ['add', () => cache.add('team/a', d)],
  ['remove', () => cache.remove('team/a', d)],
  ['meta', () => cache.meta(d)],
  ['setMeta', () => cache.setMeta(d, { path: '/x', length: 1 })],
  ['deleteMeta', () => cache.deleteMeta(d)],
  ['clear', () => cache.clear()],
];

/** Every operation rejects with UnavailableError within the bound; returns the errors. */
async function everyCallUnavailable(cache: LayerInfoCache): Promise<Map<string, Error>> {
  const errors = new Map<string, Error>();
  await Promise.all(
    calls(cache).map(async ([name, call]) => {
      const started = performance.now();
      const error = await call().then(
        (value) => new Error(`${name} resolved ${String(value)} while Redis was down`),
        (error: Error) => error,
      );
      expect(error, name).toMatchObject({ code: ErrorCode.Unavailable });
      expect(performance.now() - started, `${name} took too long`).toBeLessThan(BOUND);
      errors.set(name, error);
    }),
  );
  return errors;
}

describe(`${driver}: failures`, () => {
  it('a frozen server (SIGSTOP): every call settles within commandTimeoutMs, then calls succeed again', {
    timeout: 15_000,
  }, async () => {
    await using frozen = await startRedisServer();
    await using cache = ownedCache({
      url: frozen.url,
      keyPrefix: uniquePrefix('frozen'),
      commandTimeoutMs: TIMEOUT,
    });
    await cache.add('team/a', d);
    process.kill(frozen.pid!, 'SIGSTOP');
    try {
      await everyCallUnavailable(cache);
    } finally {
      process.kill(frozen.pid!, 'SIGCONT');
    }
    // The calls were in flight when the server froze: it applies them once thawed (remove and
    // clear too), so what is checked is that calls succeed again, not what they find.
    await waitFor(
      () =>
        cache.add('team/a', d).then(
          () => true,
          () => false,
        ),
      5000,
      'the thaw',
    );
    expect(await cache.contains('team/a', d)).toBe(true);
  });

  it('a server that stops and comes back: calls fail in bounded time, then succeed (owned and borrowed)', async () => {
    await using restarted = await startRedisServer();
    const keyPrefix = uniquePrefix('outage');
    await using cache = ownedCache({ url: restarted.url, keyPrefix, commandTimeoutMs: TIMEOUT });
    const lent = await lendClient(restarted.url);
    await using borrowed = createRedisCache({
      client: lent.client,
      keyPrefix,
      commandTimeoutMs: TIMEOUT,
    });
    try {
      await cache.add('team/a', d);
      expect(await borrowed.contains('team/a', d)).toBe(true);
      await restarted.kill();
      await everyCallUnavailable(cache);
      await everyCallUnavailable(borrowed);
      await restarted.restart();
      await waitFor(
        () =>
          cache.add('team/a', d).then(
            () => true,
            () => false,
          ),
        10_000,
        'owned',
      );
      await waitFor(() => borrowed.contains('team/a', d).catch(() => false), 10_000, 'borrowed');
    } finally {
      await lent.close();
    }
  }, 30_000);

  it('a server that was never reachable: every call fails in bounded time, naming ECONNREFUSED', async () => {
    const port = await findFreePort();
    await using cache = ownedCache({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: TIMEOUT });
    for (const [name, error] of await everyCallUnavailable(cache)) {
      expect(error.message, name).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    }
  });

  it('a wrong password: WRONGPASS for the user, and the password nowhere in the error', async () => {
    const url = `redis://cache:not-${PASSWORD}@${guarded.host}:${guarded.port}`;
    await using cache = ownedCache({ url, commandTimeoutMs: TIMEOUT });
    for (const [name, error] of await everyCallUnavailable(cache)) {
      expect(error.message, name).toMatch(/WRONGPASS for user "cache"/);
      expect(findSecrets(error, [`not-${PASSWORD}`]), name).toEqual([]);
    }
  });

  it('a key the ACL denies: NOPERM named with the command and the key (also inside MULTI)', async () => {
    const url = `redis://cache:${PASSWORD}@${guarded.host}:${guarded.port}`;
    await using cache = ownedCache({ url, keyPrefix: 'denied:', commandTimeoutMs: TIMEOUT });
    await expect(cache.contains('team/a', d)).rejects.toThrow(/ZSCORE denied:r:team\/a: NOPERM/);
    await expect(cache.remove('team/a', d)).rejects.toThrow(/ZREM denied:r:team\/a: NOPERM/);
    await using allowed = ownedCache({ url, keyPrefix: 'ok:', commandTimeoutMs: TIMEOUT });
    await allowed.add('team/a', d);
    expect(await allowed.contains('team/a', d)).toBe(true);
  });

  it('close() quits the connection it created and never a borrowed one', async () => {
    const name = `lc-${driver}-${process.pid}`;
    const redis = driver === 'ioredis' ? { connectionName: name } : { name };
    const cache = ownedCache({ url: server.url, redis, keyPrefix: uniquePrefix('own') });
    await cache.add('team/a', d);
    const names = async () =>
      String(await sendRedisCommand(server.host, server.port, ['CLIENT', 'LIST']));
    expect(await names()).toContain(`name=${name}`);
    const lent = await lendClient(server.url);
    try {
      const borrowed = createRedisCache({ client: lent.client, keyPrefix: uniquePrefix('lent') });
      await borrowed.add('team/a', d);
      await Promise.all([cache.close(), borrowed.close()]);
      await waitFor(async () => !(await names()).includes(`name=${name}`), 2000, 'the quit');
      // The borrowed client still works.
      await using again = createRedisCache({
        client: lent.client,
        keyPrefix: uniquePrefix('lent'),
      });
      await again.add('team/a', d);
      expect(await again.contains('team/a', d)).toBe(true);
    } finally {
      await lent.close();
    }
  });
});
