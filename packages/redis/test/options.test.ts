import { ErrorCode } from '@layercache/core';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { openConnection } from '../src/connection.js';
import { createRedisCache, type RedisCacheOptions } from '../src/index.js';

function rejected(options: unknown, argument: string) {
  let thrown: unknown;
  try {
    createRedisCache(options as RedisCacheOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `no error for ${argument}`).toMatchObject({
    code: ErrorCode.InvalidArgument,
    argument,
  });
  return thrown as Error;
}

describe('createRedisCache option validation (at construction, naming the option)', () => {
  const url = 'redis://127.0.0.1:1';

  it('needs a way to reach Redis', () => {
    expect(rejected({}, 'url').message).toMatch(/url is required/);
  });

  it('rejects more than one way to reach Redis', () => {
    const client = new Redis({ lazyConnect: true });
    rejected({ client, url }, 'client');
    rejected({ cluster: { nodes: [{ port: 1 }] }, url }, 'cluster');
  });

  it('rejects a url that is not redis:// or rediss://', () => {
    rejected({ url: 'http://localhost:6379' }, 'url');
    rejected({ url: 'not a url' }, 'url');
    rejected({ url: 6379 }, 'url');
  });

  it('rejects a client that is not an ioredis client', () => {
    rejected({ client: {} }, 'client');
    rejected({ client: 'redis://x' }, 'client');
  });

  it('rejects an ioredis keyPrefix, which SCAN would not honour', () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    rejected({ client }, 'client');
    rejected({ url, redis: { keyPrefix: 'x:' } }, 'redis');
    rejected({ cluster: { nodes: [{ port: 1 }], options: { keyPrefix: 'x:' } } }, 'cluster');
    rejected(
      { cluster: { nodes: [{ port: 1 }], options: { redisOptions: { keyPrefix: 'x:' } } } },
      'cluster',
    );
    for (const options of [{ keyPrefix: 'x:' }, { redisOptions: { keyPrefix: 'x:' } }]) {
      const cluster = new Cluster([{ port: 1 }], { lazyConnect: true, ...options });
      expect(rejected({ client: cluster }, 'client').message).toMatch(/keyPrefix/);
      cluster.disconnect();
    }
  });

  it('rejects a driver that is not one of the two libraries', () => {
    expect(rejected({ url, driver: 'redis' }, 'driver').message).toMatch(/"ioredis", "node-redis"/);
  });

  it('rejects node-redis options the cache could not answer right through (owned connections)', () => {
    const nodes = [{ host: '127.0.0.1', port: 1 }];
    const nodeRedis = (options: object) => ({ driver: 'node-redis', ...options });
    for (const redis of [
      { keyPrefix: 'x:' },
      { readonly: true },
      { database: -1 },
      { database: '2' },
    ]) {
      rejected(nodeRedis({ url, redis }), 'redis');
    }
    rejected(nodeRedis({ url, redis: 'redis://x' }), 'redis');
    // ioredis' Sentinel options would be ignored, and node-redis would connect to localhost.
    expect(
      rejected(nodeRedis({ redis: { sentinels: nodes, name: 'mymaster' } }), 'redis').message,
    ).toMatch(/sentinels is an ioredis option/);
    for (const options of [
      { keyPrefix: 'x:' },
      { useReplicas: true },
      { defaults: { keyPrefix: 'x:' } },
      { defaults: { readonly: true } },
      { defaults: { database: 1.5 } },
    ]) {
      rejected(nodeRedis({ cluster: { nodes, options } }), 'cluster');
    }
  });

  it('rejects a Cluster that would read from replicas, which may answer true after a remove', () => {
    const nodes = [{ host: '127.0.0.1', port: 1 }];
    for (const scaleReads of ['slave', 'all', () => null]) {
      const message = rejected({ cluster: { nodes, options: { scaleReads } } }, 'cluster').message;
      expect(message).toMatch(/scaleReads/);
      expect(message).toMatch(/replica/);
    }
    // A borrowed Cluster is checked as it is configured; nothing is sent to decide.
    for (const scaleReads of ['slave', 'all', () => null] as const) {
      const client = new Cluster(nodes, { lazyConnect: true, scaleReads });
      expect(rejected({ client }, 'client').message).toMatch(/scaleReads/);
      client.disconnect();
    }
  });

  it('accepts a Cluster that reads from masters, and forces it on an owned one', async () => {
    const nodes = [{ host: '127.0.0.1', port: 1 }];
    const client = new Cluster(nodes, { lazyConnect: true, scaleReads: 'master' });
    await createRedisCache({ client, commandTimeoutMs: 50 }).close();
    const defaults = new Cluster(nodes, { lazyConnect: true });
    await createRedisCache({ client: defaults, commandTimeoutMs: 50 }).close();
    client.disconnect();
    defaults.disconnect();
    const owned = createRedisCache({
      cluster: { nodes, options: { scaleReads: 'master' } },
      commandTimeoutMs: 50,
    });
    await owned.close();
  });

  it('rejects a connection to a replica (role "slave"), which may answer true after a remove', () => {
    const sentinels = [{ host: '127.0.0.1', port: 1 }];
    rejected({ redis: { sentinels, name: 'mymaster', role: 'slave' } }, 'redis');
    const client = new Redis({ lazyConnect: true, sentinels, name: 'mymaster', role: 'slave' });
    expect(rejected({ client }, 'client').message).toMatch(/replica/);
    client.disconnect();
    // ioredis takes the URL's query over `redis`: a role there must not get past the check.
    expect(
      rejected(
        { url: 'redis://127.0.0.1:6379/?role=slave', redis: { sentinels, name: 'mymaster' } },
        'url',
      ).message,
    ).toBe(
      'createRedisCache: url must not set role: reads go to the master (a replica may still hold a membership `remove()` has just revoked)',
    );
  });

  it('rejects a cluster without startup nodes', () => {
    rejected({ cluster: { nodes: [] } }, 'cluster');
    rejected({ cluster: {} }, 'cluster');
  });

  it('rejects a keyPrefix that is not a string or is huge', () => {
    rejected({ url, keyPrefix: 1 }, 'keyPrefix');
    rejected({ url, keyPrefix: 'x'.repeat(1025) }, 'keyPrefix');
  });

  it('rejects a ttlMs that is not a positive integer', () => {
    for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60000']) {
      rejected({ url, ttlMs }, 'ttlMs');
    }
  });

  it('rejects a commandTimeoutMs that is not a positive number', () => {
    for (const commandTimeoutMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '1000']) {
      rejected({ url, commandTimeoutMs }, 'commandTimeoutMs');
    }
  });

  it('refuses an unknown option with a suggestion (ttl → ttlMs, commandTimeout → commandTimeoutMs)', () => {
    expect(rejected({ url, ttl: 1000 }, 'ttl').message).toBe(
      'createRedisCache: unknown option `ttl`: did you mean `ttlMs`?',
    );
    expect(rejected({ url, commandTimeout: 500 }, 'commandTimeout').message).toBe(
      'createRedisCache: unknown option `commandTimeout`: did you mean `commandTimeoutMs`?',
    );
    // Nothing close enough: the known names are listed, `meter` among them.
    expect(rejected({ url, prefix: 'x:' }, 'prefix').message).toBe(
      'createRedisCache: unknown option `prefix`: known options: `client`, `driver`, `url`, `redis`, `cluster`, `keyPrefix`, `ttlMs`, `commandTimeoutMs`, `confirmRevocations`, `meter`, `near`',
    );
  });

  it('names the type it received for a wrong type', () => {
    expect(rejected({ url, ttlMs: '1000' }, 'ttlMs').message).toBe(
      'createRedisCache: ttlMs must be a whole number of milliseconds at least 1, got the string "1000"',
    );
    expect(rejected({ url, keyPrefix: 1 }, 'keyPrefix').message).toMatch(/got the number 1$/);
    expect(rejected({ url: 6379 }, 'url').message).toMatch(/got the number 6379$/);
    expect(rejected({ url, meter: 'otel' }, 'meter').message).toMatch(/got the string "otel"$/);
    expect(rejected({ url, confirmRevocations: 'yes' }, 'confirmRevocations').message).toBe(
      'createRedisCache: confirmRevocations must be true, false or "auto", got the string "yes"',
    );
  });

  it('turns hostile option values into InvalidArgumentError naming the option, never a TypeError', () => {
    expect(rejected({ url, ttlMs: Object.create(null) }, 'ttlMs').message).toMatch(
      /got an object with no prototype$/,
    );
    const throwing = {
      url,
      get ttlMs(): number {
        throw new TypeError('boom');
      },
    };
    rejected(throwing, 'ttlMs');
    rejected(new Proxy({ url }, {}), 'options');
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new TypeError('trap');
        },
      },
    );
    rejected({ redis: hostile }, 'redis');
    rejected({ cluster: hostile }, 'cluster');
    rejected({ client: hostile }, 'client');
    rejected(
      {
        url,
        redis: {
          get keyPrefix(): string {
            throw new TypeError('boom');
          },
        },
      },
      'redis',
    );
  });

  it('accepts meter (an OpenTelemetry Meter) among its options', async () => {
    const meter = { createCounter() {}, createHistogram() {} };
    await createRedisCache({ url, meter: meter as never, commandTimeoutMs: 50 }).close();
  });

  it('refuses a keyPrefix that is not well-formed UTF-16 or holds control characters', () => {
    for (const keyPrefix of [
      '\ud800:',
      '\udc00:',
      'a\ud800',
      'tab\t:',
      'nul\0:',
      'del\u007f:',
      'c1\u0085:',
    ]) {
      expect(rejected({ url, keyPrefix }, 'keyPrefix').message).toMatch(
        /must be well-formed UTF-16 \(no lone surrogate\) without control characters/,
      );
    }
  });

  it('accepts a keyPrefix with characters outside the BMP and U+FFFD itself', async () => {
    for (const keyPrefix of ['\ud83d\udc33:', '\ufffd:', 'é:', '']) {
      await createRedisCache({ url, keyPrefix, commandTimeoutMs: 50 }).close();
    }
  });

  it('refuses a database that is not a number, and a keyPrefix in the URL query', () => {
    rejected({ url: 'redis://127.0.0.1:6379/abc' }, 'url');
    rejected({ url: 'redis://127.0.0.1:6379/?db=x' }, 'url');
    rejected({ url: 'redis://127.0.0.1:6379/?keyPrefix=x:' }, 'url');
    expect(rejected({ url: 'redis://127.0.0.1:6379/2?db=3' }, 'url').message).toMatch(
      /names the database twice/,
    );
    rejected({ url, redis: { db: -1 } }, 'redis');
    rejected({ url, redis: { db: '2' } }, 'redis');
  });

  it('masks a password in the URL query in messages', () => {
    const message = rejected({ url: 'http://h:6379/?password=hunter2-x' }, 'url').message;
    expect(message).not.toMatch(/hunter2-x/);
    expect(message).toMatch(/password=\*\*\*/);
  });

  it.runIf(inject('ioredisMajor') === 6)(
    'options ioredis itself refuses are an InvalidArgumentError naming them, URL password masked',
    () => {
      const message = rejected(
        {
          url: 'redis://cache:hunter2-pw@127.0.0.1:1',
          redis: { protocol: 2, replyMapping: 'resp3' } as object,
        },
        'redis',
      ).message;
      expect(message).toMatch(/^createRedisCache: redis was refused by ioredis: /);
      expect(message).toMatch(/redis:\/\/cache:\*\*\*@127\.0\.0\.1:1/);
      expect(message).not.toMatch(/hunter2-pw/);
    },
  );

  it('accepts the documented defaults without opening anything it cannot close', async () => {
    const cache = createRedisCache({ url, commandTimeoutMs: 50 });
    await cache.close();
  });
});

describe('an owned connection gets the settings the README lists, whatever the options say', () => {
  it('standalone: auto-pipelining, commandTimeout, one retry, connect at once', () => {
    const { client, owned } = openConnection(
      {
        url: 'redis://127.0.0.1:1',
        redis: {
          enableAutoPipelining: false,
          commandTimeout: 60_000,
          maxRetriesPerRequest: 20,
          lazyConnect: true,
          connectionName: 'kept',
        },
      },
      250,
    );
    try {
      expect(owned).toBe(true);
      expect(client.options).toMatchObject({
        enableAutoPipelining: true,
        commandTimeout: 250,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
        connectionName: 'kept',
      });
    } finally {
      client.disconnect();
    }
  });

  it('Cluster: auto-pipelining, reads from masters, node timeout and one retry, connect at once', () => {
    const { client } = openConnection(
      {
        cluster: {
          nodes: [{ host: '127.0.0.1', port: 1 }],
          options: {
            enableAutoPipelining: false,
            lazyConnect: true,
            redisOptions: {
              commandTimeout: 60_000,
              maxRetriesPerRequest: 20,
              connectionName: 'kept',
            },
          },
        },
      },
      250,
    );
    try {
      expect(client.options).toMatchObject({
        enableAutoPipelining: true,
        lazyConnect: false,
        scaleReads: 'master',
        // Left as given: the store never hands a command to a Cluster that is not ready.
        enableOfflineQueue: true,
        redisOptions: { commandTimeout: 250, maxRetriesPerRequest: 1, connectionName: 'kept' },
      });
    } finally {
      client.disconnect();
    }
  });
});
