import type { RedisOptions } from 'ioredis';
import { type RedisServer, startRedisServer } from '../src/testing/index.js';

/**
 * ioredis 6 options for RESP3 with its own reply types (ZSCORE a number, maps as objects);
 * ioredis 5 ignores them (its types do not know them) and speaks RESP2.
 */
export const RESP3_NATIVE = {
  enableAutoPipelining: true,
  protocol: 3,
  replyMapping: 'resp3',
} as RedisOptions;

/**
 * The standalone server of one test file: a fresh `redis-server` on a free port, or the server
 * `REDIS_URL` names. Every test uses its own key prefix, so an existing server is never flushed
 * and may hold other data.
 */
export interface StandaloneRedis {
  readonly url: string;
  /** Present only when the tests started the server themselves (outage tests need it). */
  readonly server: RedisServer | undefined;
  stop(): Promise<void>;
}

export async function standaloneRedis(): Promise<StandaloneRedis> {
  const external = process.env.REDIS_URL;
  if (external !== undefined && external !== '') {
    return { url: external, server: undefined, stop: async () => {} };
  }
  const server = await startRedisServer();
  return { url: server.url, server, stop: () => server.stop() };
}

let sequence = 0;

/** A key prefix no other test (or process) uses. */
export function uniquePrefix(label: string): string {
  sequence += 1;
  return `lc-test-${label}-${process.pid}-${sequence}-${Math.random().toString(36).slice(2, 8)}:`;
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

declare module 'vitest' {
  /** Set per project in vitest.config.ts: the ioredis major the project runs on. */
  export interface ProvidedContext {
    ioredisMajor: 5 | 6;
  }
}
