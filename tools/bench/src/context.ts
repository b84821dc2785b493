import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '@layercache/redis/testing';
import type { RedisEndpoint, RunContext } from './adapters/types.js';

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  /** Use this Redis instead of starting a throwaway `redis-server`. */
  readonly redisUrl?: string;
  /** The client library of the Redis adapter's connection. Default: `'ioredis'`. */
  readonly redisDriver?: 'ioredis' | 'node-redis';
  /** The Redis adapter's near cache. Default: none. */
  readonly redisNear?: { readonly max?: number; readonly maxStalenessMs?: number };
}

/**
 * Where to generate throwaway trees of many small files: `/dev/shm` (RAM) when the system has
 * it. The demo's storage latency is simulated anyway, and on a busy shared disk writing and
 * removing a few thousand files otherwise takes longer than the demo itself.
 */
async function scratchParent(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** A {@link RunContext} plus the one call that releases all of it. */
export interface OwnedRunContext extends RunContext {
  /** A directory for many small files (the demo's storage tree), on tmpfs when there is one. */
  readonly scratchDir: string;
  /** Stops the throwaway Redis (if started) and removes the temp directories. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Creates the run's temp directory and, lazily, its Redis: the `--redis-url`, or a throwaway
 * `redis-server` started through `@layercache/redis/testing` (the same launcher the adapter's
 * tests use: a free port, no persistence, killed on stop).
 */
export async function createRunContext(options: RunContextOptions = {}): Promise<OwnedRunContext> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'layercache-bench-'));
  const scratchDir = await mkdtemp(join(await scratchParent(), 'layercache-demo-'));
  const keyPrefix = `layercache-bench:${randomBytes(4).toString('hex')}:`;
  let redis: Promise<{ endpoint: RedisEndpoint; server?: RedisServer }> | undefined;
  let disposed = false;

  const startRedis = async () => {
    if (options.redisUrl !== undefined) {
      return { endpoint: { url: options.redisUrl, owned: false } };
    }
    const server = await startRedisServer();
    return { endpoint: { url: server.url, owned: true }, server };
  };

  return {
    tmpDir,
    scratchDir,
    keyPrefix,
    ...(options.redisDriver === undefined ? {} : { redisDriver: options.redisDriver }),
    ...(options.redisNear === undefined ? {} : { redisNear: options.redisNear }),
    async redis() {
      redis ??= startRedis();
      return (await redis).endpoint;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        const started = await redis?.catch(() => undefined);
        const server = started?.server;
        await server?.stop();
      } finally {
        await Promise.all(
          [tmpDir, scratchDir].map((dir) => rm(dir, { recursive: true, force: true })),
        );
      }
    },
  };
}
