import { type ConformanceFactory, describeLayerInfoCache } from '@layercache/core/conformance';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, sendRedisCommand, startRedisServer } from '../../src/testing/index.js';
import { waitFor } from '../servers.js';
import { driver, ownedCache } from './fixture.js';

// The suite's `faults` and cross-process `shared` checks. Each configuration has a server of its
// own, since breaking it is the point (so REDIS_URL is not used here).
//
// - Frozen: SIGSTOP, the way a server stuck in a fork, a swap storm or a paused VM looks to its
//   clients — connected, silent. SIGCONT heals it with its data.
// - Stopped: SIGKILL, then the same server started again on its port. It keeps an append-only
//   file written before every reply (`appendfsync no` still writes it each turn of the event loop
//   before replying; only the fsync is left to the kernel, which a killed process does not need),
//   so what it acknowledged is there after the restart; the cache has to reconnect by itself.

const COMMAND_TIMEOUT_MS = 300;
// The documented bound: commandTimeoutMs plus one tick of core's timer, ⌈commandTimeoutMs / 8⌉.
const FAULT_TIMEOUT_MS = 9 * Math.ceil(COMMAND_TIMEOUT_MS / 8);

let frozen: RedisServer;
let stopped: RedisServer;

beforeAll(async () => {
  [frozen, stopped] = await Promise.all([
    startRedisServer(),
    // Rewritten (compacted) from 1 MB on, so that a restart does not replay every test's writes.
    startRedisServer({
      args: ['--appendonly', 'yes', '--appendfsync', 'no', '--auto-aof-rewrite-min-size', '1mb'],
    }),
  ]);
  // The other process of the shared checks reaches the frozen server through this.
  process.env.LAYERCACHE_TEST_REDIS_URL = frozen.url;
  process.env.LAYERCACHE_TEST_REDIS_DRIVER = driver;
}, 30_000);

afterAll(async () => {
  await Promise.all([frozen?.stop(), stopped?.stop()]);
});

function signal(server: RedisServer, name: 'SIGSTOP' | 'SIGCONT'): void {
  if (server.pid === undefined) throw new Error('the Redis server is not running');
  process.kill(server.pid, name);
}

// Back means done loading the append-only file: the restarted server answers INFO at once, but
// every other command with LOADING until then.
async function restartLoaded(server: RedisServer): Promise<void> {
  await server.restart();
  await waitFor(
    () =>
      sendRedisCommand(server.host, server.port, ['PING']).then(
        (reply) => reply === 'PONG',
        () => false,
      ),
    10_000,
    'the restarted server to load its append-only file',
  );
}

// Each configuration also runs with the near cache on. Then reads may be answered from memory for
// up to MAX_STALENESS_MS into an outage (the value acknowledged before it): they are not
// "affected", only held to right answers or UnavailableError; every write still fails.
const MAX_STALENESS_MS = 10;
const NEAR_AFFECTS = ['add', 'remove', 'setMeta', 'deleteMeta', 'clear'] as const;

for (const near of [undefined, { maxStalenessMs: MAX_STALENESS_MS }]) {
  const named = near === undefined ? '' : ' with a near cache';
  const faults = near === undefined ? {} : { affects: NEAR_AFFECTS };
  const bound = near === undefined ? {} : { maxStalenessMs: MAX_STALENESS_MS };
  // The suite's factory: a cache on `server` (read when the suite runs, after beforeAll).
  const on =
    (server: () => RedisServer): ConformanceFactory =>
    ({ storageId, ttlMs, meter }) =>
      ownedCache({
        url: server().url,
        keyPrefix: `${storageId}:`,
        ttlMs,
        meter,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        ...(near === undefined ? {} : { near }),
      });
  const common = { ttl: true, metrics: near === undefined, durable: true } as const;

  describeLayerInfoCache(
    `${driver}: standalone${named}, server frozen (SIGSTOP)`,
    on(() => frozen),
    {
      ...common,
      faults: {
        break: () => signal(frozen, 'SIGSTOP'),
        heal: () => signal(frozen, 'SIGCONT'),
        timeoutMs: FAULT_TIMEOUT_MS,
        ...faults,
      },
      shared: {
        ...bound,
        processModule: new URL('../fixtures/shared-cache.mjs', import.meta.url),
      },
    },
  );

  describeLayerInfoCache(
    `${driver}: standalone${named}, server stopped and restarted (append-only file)`,
    on(() => stopped),
    {
      ...common,
      shared: near === undefined ? true : bound,
      faults: {
        break: () => stopped.kill('SIGKILL'),
        heal: () => restartLoaded(stopped),
        timeoutMs: FAULT_TIMEOUT_MS,
        ...faults,
      },
    },
  );
}
