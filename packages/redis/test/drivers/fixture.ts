import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { inject } from 'vitest';
import { createRedisCache, type RedisCacheOptions } from '../../src/index.js';

/**
 * The tests under test/drivers/ run once per client library (vitest.config.ts: the ioredis
 * projects with `driver: 'ioredis'`, the node-redis project with `driver: 'node-redis'`): the
 * same tests, with the owned connections and borrowed clients of that library.
 */
export const driver = inject('driver');

/** A cache on a connection it creates with this run's library. */
export function ownedCache(options: Omit<RedisCacheOptions, 'driver'>) {
  return createRedisCache({ ...options, driver });
}

/** A client of this run's library to lend to a cache; `close` ends it. */
export interface Lent {
  readonly client: NonNullable<RedisCacheOptions['client']>;
  close(): Promise<void>;
}

/**
 * A standalone client; `resp: 3` asks for RESP3 with the library's own reply types.
 * `autoPipelining: false` (ioredis) writes each command when it is called: with it on, ioredis
 * sends a batch only once the previous one was answered, so a test that holds one reply would
 * also hold back every later command. node-redis always writes at once.
 */
export async function lendClient(
  url: string,
  resp: 2 | 3 = 2,
  { autoPipelining = true }: { autoPipelining?: boolean } = {},
): Promise<Lent> {
  if (driver === 'ioredis') {
    const client = new Redis(url, {
      enableAutoPipelining: autoPipelining,
      ...(resp === 3 ? { protocol: 3, replyMapping: 'resp3' } : {}),
    } as object);
    client.on('error', () => {});
    return { client, close: async () => void client.disconnect() };
  }
  const client = createClient({ url, RESP: resp });
  client.on('error', () => {});
  await client.connect();
  return { client, close: async () => void client.destroy() };
}

export async function lendCluster(nodes: readonly { host: string; port: number }[]): Promise<Lent> {
  if (driver === 'ioredis') {
    const client = new Cluster([...nodes], { enableAutoPipelining: true });
    return { client, close: async () => void client.disconnect() };
  }
  const client = createCluster({ rootNodes: nodes.map((socket) => ({ socket })) });
  client.on('error', () => {});
  await client.connect();
  return { client, close: async () => void client.destroy() };
}

export async function lendSentinel(sentinel: { host: string; port: number; name: string }) {
  if (driver === 'ioredis') {
    const client = new Redis({
      sentinels: [{ host: sentinel.host, port: sentinel.port }],
      name: sentinel.name,
      enableAutoPipelining: true,
    });
    return { client, close: async () => void client.disconnect() } satisfies Lent;
  }
  const client = createSentinel({
    name: sentinel.name,
    sentinelRootNodes: [{ host: sentinel.host, port: sentinel.port }],
  });
  client.on('error', () => {});
  await client.connect();
  return { client, close: async () => void client.destroy() } satisfies Lent;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The client library of the tests under test/drivers/. */
    driver: 'ioredis' | 'node-redis';
  }
}
