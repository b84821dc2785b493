import { ErrorCode, type LayerInfoCache } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { findFreePort, type RedisServer, startRedisServer } from '../src/testing/index.js';
import { uniquePrefix, waitFor } from './servers.js';

// These tests stop and pause servers, so they always start their own, even when REDIS_URL is set.
const TIMEOUT = 300;
// The documented bound, commandTimeoutMs plus one tick of core's timer (⌈commandTimeoutMs / 8⌉),
// plus scheduling slack on a busy machine.
const BOUND = 9 * Math.ceil(TIMEOUT / 8) + 250;
const d = digest('failure');

/** Every operation, each of which must reject with UnavailableError within the bound. */
async function expectEveryCallUnavailable(cache: LayerInfoCache): Promise<void> {
  const calls: [string, () => Promise<unknown>][] = [
    ['contains', () => cache.contains('team/a', d)],
    ['add', () => cache.add('team/a', d)],
    ['remove', () => cache.remove('team/a', d)],
    ['meta', () => cache.meta(d)],
    ['setMeta', () => cache.setMeta(d, { path: '/x', length: 1 })],
    ['deleteMeta', () => cache.deleteMeta(d)],
    ['clear', () => cache.clear()],
  ];
  await Promise.all(
    calls.map(async ([name, call]) => {
      const started = performance.now();
      const error = await call().then(
        (value) => new Error(`${name} resolved ${String(value)} while Redis was down`),
        (error: unknown) => error,
      );
      expect(error, name).toMatchObject({ code: ErrorCode.Unavailable });
      expect(performance.now() - started, `${name} took too long`).toBeLessThan(BOUND);
    }),
  );
}

describe('outage and recovery', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a cache used the moment it is created waits for its connection', async () => {
    await using cache = createRedisCache({ url: server.url, keyPrefix: uniquePrefix('early') });
    // No await between creation and the calls: they are issued before the socket connects.
    const results = await Promise.all([cache.add('team/a', d), cache.contains('team/a', d)]);
    expect(results[1]).toBe(true);
  });

  it('a write aborted before the connection is ready changes nothing (it never reaches Redis)', async () => {
    const prefix = uniquePrefix('early-abort');
    await using setup = createRedisCache({ url: server.url, keyPrefix: prefix });
    await setup.add('team/kept', d);
    await setup.setMeta(d, { path: '/kept', length: 1 });
    const writes: [string, (cache: LayerInfoCache, signal: AbortSignal) => Promise<unknown>][] = [
      ['add', (cache, signal) => cache.add('team/a', d, { signal })],
      ['remove', (cache, signal) => cache.remove('team/kept', d, { signal })],
      ['setMeta', (cache, signal) => cache.setMeta(d, { path: '/new', length: 2 }, { signal })],
      ['deleteMeta', (cache, signal) => cache.deleteMeta(d, { signal })],
      ['clear', (cache, signal) => cache.clear({ signal })],
    ];
    for (const [name, write] of writes) {
      // The reviewer's sequence: create, call at once with a signal, abort at once.
      await using cache = createRedisCache({ url: server.url, keyPrefix: prefix });
      const controller = new AbortController();
      const call = write(cache, controller.signal);
      const reason = new Error(`stop ${name}`);
      controller.abort(reason);
      await expect(call, name).rejects.toBe(reason);
      // Once this cache's connection has answered, anything it had queued has run.
      expect(await cache.contains('team/a', d), name).toBe(false);
      expect(await cache.contains('team/kept', d), name).toBe(true);
      expect(await cache.meta(d), name).toEqual({ path: '/kept', length: 1 });
    }
  });

  it('a write with a signal that is not aborted still waits for the first connection', async () => {
    await using cache = createRedisCache({ url: server.url, keyPrefix: uniquePrefix('early-sig') });
    const { signal } = new AbortController();
    await cache.add('team/a', d, { signal });
    await cache.setMeta(d, { path: '/x', length: 1 }, { signal });
    expect(await cache.contains('team/a', d)).toBe(true);
    expect(await cache.remove('team/a', d, { signal })).toBe(true);
  });

  it('writes with signals waiting for a lazy borrowed client share one wait and connect it', async () => {
    const client = new Redis(server.url, { lazyConnect: true, enableAutoPipelining: true });
    const before = client.listenerCount('ready');
    try {
      const cache = createRedisCache({ client, keyPrefix: uniquePrefix('lazy') });
      // The cache watches its client for its whole life (to name failures): one listener.
      const listeners = client.listenerCount('ready');
      const { signal } = new AbortController();
      const repos = Array.from({ length: 32 }, (_, i) => `team/lazy-${i}`);
      const writes = Promise.all(repos.map((repo) => cache.add(repo, d, { signal })));
      expect(client.listenerCount('ready')).toBe(listeners + 1);
      await writes;
      expect(client.listenerCount('ready')).toBe(listeners);
      expect((await Promise.all(repos.map((repo) => cache.contains(repo, d)))).every(Boolean)).toBe(
        true,
      );
      await cache.close();
      // A borrowed client outlives the cache: nothing of the cache stays attached to it.
      expect(client.listenerCount('ready')).toBe(before);
    } finally {
      client.disconnect();
    }
  });

  it('when the server stops, every call rejects with UnavailableError in bounded time, and calls succeed again once it is back', async () => {
    const prefix = uniquePrefix('outage');
    await using cache = createRedisCache({
      url: server.url,
      keyPrefix: prefix,
      commandTimeoutMs: TIMEOUT,
    });
    const borrowed = new Redis(server.url, { enableAutoPipelining: true });
    borrowed.on('error', () => {});
    await using lent = createRedisCache({
      client: borrowed,
      keyPrefix: prefix,
      commandTimeoutMs: TIMEOUT,
    });
    try {
      await cache.add('team/a', d);
      expect(await lent.contains('team/a', d)).toBe(true);

      await server.kill();
      await expectEveryCallUnavailable(cache);
      await expectEveryCallUnavailable(lent);

      await server.restart();
      // The restarted server has no persistence: the data is gone, the caches are not.
      await waitFor(
        () =>
          cache.add('team/a', d).then(
            () => true,
            () => false,
          ),
        10_000,
        'the owned cache',
      );
      await waitFor(
        () =>
          lent.contains('team/a', d).then(
            (found) => found,
            () => false,
          ),
        10_000,
        'the borrowed cache',
      );
      expect(await cache.contains('team/a', d)).toBe(true);
    } finally {
      await lent.close();
      borrowed.disconnect();
    }
  }, 30_000);

  it('a server that stops answering (CLIENT PAUSE) makes calls reject within the timeout', async () => {
    await using cache = createRedisCache({
      url: server.url,
      keyPrefix: uniquePrefix('paused'),
      commandTimeoutMs: TIMEOUT,
    });
    await cache.add('team/a', d);
    const admin = new Redis(server.url);
    try {
      await admin.client('PAUSE', 1500, 'ALL');
      const started = performance.now();
      const error = await cache.contains('team/a', d).catch((e: unknown) => e as Error);
      expect(error).toMatchObject({ code: ErrorCode.Unavailable });
      expect((error as Error).message).toMatch(/timed out|did not answer/);
      expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 5);
      expect(performance.now() - started).toBeLessThan(BOUND);
      await admin.client('UNPAUSE');
      expect(await cache.contains('team/a', d)).toBe(true);
    } finally {
      await admin.quit();
    }
  });

  it('closing the cache quits the client it created but never a borrowed one', async () => {
    const name = `lc-owned-${process.pid}`;
    const cache = createRedisCache({
      url: server.url,
      redis: { connectionName: name },
      keyPrefix: uniquePrefix('own'),
    });
    await cache.add('team/a', d);
    const admin = new Redis(server.url);
    const borrowed = new Redis(server.url);
    try {
      expect(String(await admin.client('LIST'))).toContain(`name=${name}`);
      await cache.close();
      await waitFor(
        async () => !String(await admin.client('LIST')).includes(`name=${name}`),
        5000,
        'the owned connection to close',
      );

      const lent = createRedisCache({ client: borrowed, keyPrefix: uniquePrefix('lent') });
      await lent.add('team/a', d);
      await lent.close();
      expect(borrowed.status).toBe('ready');
      expect(await borrowed.ping()).toBe('PONG');
      await expect(lent.contains('team/a', d)).rejects.toMatchObject({ code: ErrorCode.Closed });
    } finally {
      await admin.quit();
      await borrowed.quit();
    }
  });
});

describe('a server that was never reachable', () => {
  it('an owned connection rejects every call within the timeout', async () => {
    const port = await findFreePort();
    await using cache = createRedisCache({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: TIMEOUT,
    });
    await expectEveryCallUnavailable(cache);
  });

  it('a borrowed client with ioredis defaults (offline queue, 20 retries) is bounded as well', async () => {
    const port = await findFreePort();
    const client = new Redis(port, '127.0.0.1');
    client.on('error', () => {});
    try {
      await using cache = createRedisCache({ client, commandTimeoutMs: TIMEOUT });
      await expectEveryCallUnavailable(cache);
    } finally {
      client.disconnect();
    }
  });

  it('remove (MULTI) with MaxRetriesPerRequestError is a failure, not a false', async () => {
    const port = await findFreePort();
    // No retries: ioredis flushes the queued transaction at once with MaxRetriesPerRequestError
    // (EXEC rejects; a plain pipeline would resolve with the error inside its results, which
    // remove() also checks for).
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, lazyConnect: true });
    client.on('error', () => {});
    try {
      await using cache = createRedisCache({ client, commandTimeoutMs: 5000 });
      const started = performance.now();
      const error = await cache.remove('team/a', d).then(
        (value) => new Error(`remove resolved ${String(value)}`),
        (error: unknown) => error,
      );
      expect(error).toMatchObject({ code: ErrorCode.Unavailable });
      // It failed by itself, well before the cache's own deadline.
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      client.disconnect();
    }
  });

  it('a borrowed client that its owner already closed is refused when the cache is created', async () => {
    const client = new Redis({ lazyConnect: true });
    client.disconnect();
    await waitFor(() => client.status === 'end', 2000, 'the client to end');
    expect(() => createRedisCache({ client, commandTimeoutMs: TIMEOUT })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidArgument,
        argument: 'client',
        message: expect.stringMatching(/closed \(ioredis status "end"\)/),
      }),
    );
  });

  it('a borrowed client closed after the cache was created gives UnavailableError, not a hang', async () => {
    const client = new Redis({ lazyConnect: true });
    await using cache = createRedisCache({ client, commandTimeoutMs: TIMEOUT });
    client.disconnect();
    await waitFor(() => client.status === 'end', 2000, 'the client to end');
    await expectEveryCallUnavailable(cache);
  });
});
