import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { isUnavailableError, type LayerInfoCache } from '@layercache/core';
import { expect } from 'vitest';
import { NEAR_METRICS } from '../src/index.js';
import { waitFor } from './servers.js';

/**
 * Counters recorded through a meter, by instrument name: a minimal OpenTelemetry Meter that
 * keeps sums (histograms are accepted and ignored).
 */
export function countingMeter() {
  const sums = new Map<string, number>();
  const meter = {
    createCounter: (name: string) => ({
      add: (value: number) => sums.set(name, (sums.get(name) ?? 0) + value),
    }),
    createHistogram: () => ({ record: () => {} }),
  };
  return { meter: meter as never, count: (name: string) => sums.get(name) ?? 0 };
}

type Counting = ReturnType<typeof countingMeter>;

/**
 * Reads until the near cache answers a hit (tracking set up and a fence completed); `count` is
 * {@link countingMeter}'s.
 */
export async function untilNearHit(
  count: Counting['count'],
  read: () => Promise<unknown>,
  what = 'a near hit',
  timeoutMs = 5000,
): Promise<void> {
  await waitFor(
    async () => {
      const before = count(NEAR_METRICS.hits);
      await read();
      return count(NEAR_METRICS.hits) > before;
    },
    timeoutMs,
    what,
  );
}

/** Whether `contains` answers true from the near cache now (its hit counter moved). */
export function nearHitCheck(cache: LayerInfoCache, metrics: Counting) {
  return async (repo: string, digest: string): Promise<boolean> => {
    const before = metrics.count(NEAR_METRICS.hits);
    const answer = await cache.contains(repo, digest).catch(() => undefined);
    return answer === true && metrics.count(NEAR_METRICS.hits) > before;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * The two-process revocation check: `near` (counting through `metrics`) holds `rounds`
 * memberships; another process (fixtures/revoker.mjs, told where Redis is by `env`) removes them
 * one by one, and once each remove resolved `near` must answer `false` within `maxStalenessMs`,
 * and still `false` after it. Most memberships must have been near hits before their remove, or
 * the check would prove nothing. Logs the revocation latencies.
 */
export async function checkRevocationsAcrossProcesses(options: {
  readonly near: LayerInfoCache;
  readonly metrics: Counting;
  readonly env: Record<string, string>;
  readonly rounds: number;
  readonly maxStalenessMs: number;
  readonly repoOf: (index: number) => string;
  readonly digestOf: (index: number) => string;
}): Promise<void> {
  const { near, metrics, rounds, maxStalenessMs, repoOf, digestOf } = options;
  const child: ChildProcess = fork(new URL('./fixtures/revoker.mjs', import.meta.url), {
    env: { ...process.env, ...options.env },
  });
  const replies: unknown[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (message) => {
    replies.push(message);
    wake?.();
  });
  const next = async () => {
    while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return replies.shift();
  };
  try {
    expect(await next()).toBe('ready');
    for (let index = 0; index < rounds; index += 1) await near.add(repoOf(index), digestOf(index));
    // Every membership is held in the near cache before it is revoked.
    await waitFor(() => nearHitCheck(near, metrics)(repoOf(0), digestOf(0)), 5000, 'a near hit');
    const latencies: number[] = [];
    let nearHitsBeforeRemove = 0;
    for (let index = 0; index < rounds; index += 1) {
      const [repo, digest] = [repoOf(index), digestOf(index)];
      const hitsBefore = metrics.count(NEAR_METRICS.hits);
      expect(await near.contains(repo, digest)).toBe(true);
      expect(await near.contains(repo, digest)).toBe(true);
      if (metrics.count(NEAR_METRICS.hits) > hitsBefore) nearHitsBeforeRemove += 1;
      child.send({ repo, digest });
      expect(await next()).toEqual({ removed: true });
      const resolved = performance.now();
      // Revocation latency: how soon after the remove resolved this process answers false.
      // Each poll yields to the event loop, as a server between requests would: a loop of
      // in-process hits alone would keep the invalidation from being read.
      while (await near.contains(repo, digest)) {
        expect(performance.now() - resolved, `round ${index}`).toBeLessThan(maxStalenessMs);
        await new Promise((resolve) => setImmediate(resolve));
      }
      latencies.push(performance.now() - resolved);
      const wait = resolved + maxStalenessMs - performance.now();
      if (wait > 0) await sleep(wait);
      expect(await near.contains(repo, digest), `round ${index}`).toBe(false);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `near revocation latency over ${rounds} removes: p50 ${percentile(latencies, 50).toFixed(3)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(3)} ms, max ${latencies.at(-1)!.toFixed(3)} ms; ` +
        `${nearHitsBeforeRemove} of ${rounds} memberships were near hits before their remove`,
    );
    // The check above means something only if the revoked memberships were held in process.
    expect(nearHitsBeforeRemove).toBeGreaterThan(rounds / 2);
  } finally {
    child.send('stop');
  }
}

/**
 * The frozen-link check: with the link to the node holding `repo`'s key frozen by `freeze`,
 * `revoke` removes the membership through another connection; `maxStalenessMs` later `near`
 * must not answer from memory but go to Redis and time out (`UnavailableError`, not `false`,
 * which would show the read did not go through the frozen link). After `resume` it answers
 * `false`, and a membership added again by `readd` is seen again.
 */
export async function checkFrozenLink(options: {
  readonly near: LayerInfoCache;
  readonly repo: string;
  readonly digest: string;
  readonly maxStalenessMs: number;
  freeze(): void;
  resume(): void;
  revoke(): Promise<unknown>;
  readd(): Promise<unknown>;
}): Promise<void> {
  const { near, repo, digest } = options;
  options.freeze();
  expect(await options.revoke()).toBe(1);
  await sleep(options.maxStalenessMs);
  const answer = await near.contains(repo, digest).then(
    (value) => value,
    (error: unknown) => error,
  );
  expect(isUnavailableError(answer), String(answer)).toBe(true);
  options.resume();
  await waitFor(
    () =>
      near.contains(repo, digest).then(
        (value) => value === false,
        () => false,
      ),
    10_000,
    'a right answer after the link resumed',
  );
  await options.readd();
  await waitFor(() => near.contains(repo, digest).catch(() => false), 10_000, 'the re-added one');
}

/**
 * A TCP proxy in front of Redis that can freeze: bytes in both directions are held (not
 * dropped) and sockets stay open, as on a link that went silent; `resume` lets them through.
 */
export interface FreezingProxy {
  readonly url: string;
  /** Holds bytes in both directions on every connection. */
  freeze(): void;
  /**
   * Holds only what Redis sends back on the connections whose proxy-to-Redis local port `pick`
   * accepts (as `CLIENT LIST` shows it in `addr=`): commands still reach Redis and run.
   */
  holdReplies(pick: (port: number) => boolean): void;
  /** The proxy-to-Redis local ports of the open connections. */
  ports(): number[];
  resume(): void;
  close(): Promise<void>;
}

export async function startFreezingProxy(targetPort: number): Promise<FreezingProxy> {
  let frozen = false;
  let holding: ((port: number) => boolean) | undefined;
  const pipes: Array<{ port: () => number; flush(): void; destroy(): void }> = [];
  const { connect } = await import('node:net');
  const server: Server = createServer((client: Socket) => {
    // No Nagle delay in either direction, as Redis and its clients do: with it, a small reply
    // written while the previous one is unacknowledged waited for a delayed ACK (~25 ms here),
    // longer than the near cache's 10 ms bound, so fences never made entries servable.
    client.setNoDelay(true);
    const upstream = connect({ port: targetPort, host: '127.0.0.1', noDelay: true });
    const held: Array<[Socket, Buffer]> = [];
    const forward = (to: Socket) => (chunk: Buffer) => {
      const hold = frozen || (to === client && holding?.(upstream.localPort ?? -1) === true);
      if (hold) held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', destroy);
    pipes.push({
      port: () => upstream.localPort ?? -1,
      flush() {
        for (const [to, chunk] of held.splice(0)) to.write(chunk);
      },
      destroy,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    freeze() {
      frozen = true;
    },
    holdReplies(pick) {
      holding = pick;
    },
    ports: () => pipes.map((pipe) => pipe.port()),
    resume() {
      frozen = false;
      holding = undefined;
      for (const pipe of pipes) pipe.flush();
    },
    async close() {
      for (const pipe of pipes) pipe.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sha256 digest made from a number, for tests that need many distinct ones. */
export const digestOf = (index: number) => `sha256:${index.toString(16).padStart(64, '0')}`;
