import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import type { Cluster, Redis } from 'ioredis';
import { clearKeys } from './clear.js';
import { decodeMeta, encodeMeta, isLiveScore } from './codec.js';
import { Deadlines, RedisTimeoutError } from './deadline.js';
import { createKeyLayout, memberOf } from './keys.js';
import type { ResolvedRedisCacheOptions } from './options.js';

/** How the store reaches Redis, and whether closing the cache closes the client. */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  /** `true` when the cache created the client: `close()` then quits it. */
  readonly owned: boolean;
}

/**
 * Whole keys are also given a server-side expiry, for garbage collection only: a repository
 * nobody adds to any more disappears on its own. It is set this far beyond the TTL so that it
 * can never cut an entry short — entries expire by their own time, read in the client — even with
 * clocks that disagree or a test that fakes `Date`.
 */
export function gcGraceMs(ttlMs: number): number {
  return Math.max(ttlMs, 60_000);
}

// Statuses in which ioredis would park a command in its offline queue until a reconnect that may
// be far away. Failing at once keeps that queue (and the caller) from waiting for nothing; the
// first connection ('wait', 'connecting', 'connect') is still waited for, bounded by the timeout.
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting']);

/**
 * Names the key and the fix when a key of our layout holds another type. ioredis attaches the
 * failed command (`error.command.args[0]` is the key) to reply errors.
 */
function mapError(error: unknown, command?: string, key?: string): unknown {
  if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
    const failed = (error as { command?: { name?: string; args?: unknown[] } }).command;
    const where =
      command !== undefined
        ? `${command} ${key}`
        : failed
          ? `${String(failed.name).toUpperCase()} ${String(failed.args?.[0])}`
          : 'a key';
    return new Error(
      `${where}: the key holds a value of the wrong Redis type, not written by @layercache/redis ` +
        '(an older layout or a hand-made key); delete the key or clear() the cache',
      { cause: error },
    );
  }
  return error;
}

function rethrow(error: unknown): never {
  throw mapError(error);
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** The per-command timeout ioredis itself enforces on a standalone client, if any. */
function clientCommandTimeout(client: Redis): number | undefined {
  return (client.options as { commandTimeout?: number }).commandTimeout;
}

/**
 * The Redis store behind {@link createRedisCache}. Every operation sends commands on a single key,
 * so it is correct on a Cluster; see the README for the layout and the commands.
 */
export function createRedisStore(
  connection: RedisConnection,
  options: ResolvedRedisCacheOptions,
): LayerInfoStore {
  const { client, owned } = connection;
  const { ttlMs, commandTimeoutMs } = options;
  const keys = createKeyLayout(options.keyPrefix);
  const deadlines = new Deadlines(commandTimeoutMs, mapError);
  const grace = ttlMs === undefined ? 0 : gcGraceMs(ttlMs);

  function checkUp(): void {
    if (DOWN.has(client.status)) {
      throw new Error(`Redis is not connected (ioredis status "${client.status}")`);
    }
  }

  // One wait for the connection shared by every call made before it is ready: a listener per
  // call would pile up on the client. It settles on the next state change.
  let readiness: Promise<void> | undefined;
  function ready(): Promise<void> {
    if (readiness === undefined) {
      readiness = new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          client.off('ready', onReady);
          client.off('close', onDown);
          client.off('reconnecting', onDown);
          client.off('end', onDown);
          readiness = undefined;
          if (error === undefined) resolve();
          else reject(error);
        };
        const onReady = () => settle();
        const onDown = () =>
          settle(new Error(`Redis is not connected (ioredis status "${client.status}")`));
        client.on('ready', onReady);
        client.on('close', onDown);
        client.on('reconnecting', onDown);
        client.on('end', onDown);
      });
      // A borrowed lazyConnect client connects on its first command; nothing has been sent yet.
      if (client.status === 'wait') client.connect().catch(() => {});
    }
    return readiness;
  }

  /**
   * A write with a signal, called before the connection is ready, waits here rather than in
   * ioredis' offline queue: a queued command is sent once the connection is up, even when its
   * caller has aborted (and been answered) meanwhile. So the signal is checked again once the
   * connection is ready, and an aborted call sends nothing — DESIGN.md §3: an aborted call that
   * had not reached the backend has changed nothing. A call whose time is up is not sent either.
   * Bounded by `commandTimeoutMs` as a whole. Never on the hot path (ready, or no signal).
   */
  function afterReady<R>(
    signal: AbortSignal,
    command: string,
    key: string,
    send: () => Promise<R>,
  ): Promise<R> {
    const started = performance.now();
    const waited = new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      ready().then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
    return deadlines.guard(
      waited.then(() => {
        if (signal.aborted) throw signal.reason;
        if (performance.now() - started >= commandTimeoutMs) {
          throw new RedisTimeoutError(`Redis was not ready within ${commandTimeoutMs} ms`);
        }
        checkUp();
        return send();
      }),
      command,
      key,
    );
  }

  /** `true` when a write must wait in {@link afterReady}: it has a signal, the client is not ready. */
  const mustWait = (signal: AbortSignal | undefined) =>
    signal !== undefined && client.status !== 'ready';

  // When ioredis already times every command out soon enough (owned standalone clients are
  // configured so), a call is only wrapped to map its reply: the hot path pays for no extra
  // promise or deadline bookkeeping. A standalone client times a command out even while it waits
  // in the offline queue. A Cluster does not: it queues commands without a timer before it is
  // ready, and re-arms the node's timer each time it retries a command during a failover
  // (measured: 1.7 s for a 500 ms timeout), so Cluster calls always get the store's deadline.
  const ownTimeout = isCluster(client) ? undefined : clientCommandTimeout(client);
  const trusted = ownTimeout !== undefined && ownTimeout > 0 && ownTimeout <= commandTimeoutMs;

  function bounded<T, R>(
    pending: Promise<T>,
    command: string,
    key: string,
    map: (value: T) => R,
  ): Promise<R> {
    if (trusted) return pending.then(map, rethrow);
    return deadlines.guard(pending, command, key, map);
  }

  const isLive = (score: string | null) => isLiveScore(score, Date.now());
  const readMeta = (value: string | null) =>
    // A value we cannot parse is not ours: a miss, which a later setMeta overwrites.
    value === null ? undefined : (decodeMeta(value, Date.now()) ?? undefined);

  function add(repo: string, digest: string): Promise<void> {
    const key = keys.membership(repo);
    if (ttlMs === undefined) {
      return bounded(client.zadd(key, '+inf', memberOf(digest)), 'ZADD', key, ignore);
    }
    const now = Date.now();
    // Three pipelined single-key commands: the membership with its expiry as score, the key's
    // garbage-collection expiry, and a trim of members long expired (by the client's clock) so
    // that a repository added to forever does not grow forever.
    return bounded(
      Promise.all([
        client.zadd(key, now + ttlMs, memberOf(digest)),
        client.pexpire(key, ttlMs + grace),
        client.zremrangebyscore(key, '-inf', `(${now - grace}`),
      ]),
      'ZADD',
      key,
      ignore,
    );
  }

  function remove(repo: string, digest: string): Promise<boolean> {
    const key = keys.membership(repo);
    // MULTI so that the answer (was it there and live?) and the removal are one atomic step.
    const member = memberOf(digest);
    const transaction = client.multi().zscore(key, member).zrem(key, member).exec();
    return bounded(transaction, 'ZREM', key, (results) => {
      if (results === null) throw new Error(`MULTI on ${key} was aborted`);
      for (const [error] of results) {
        // ioredis reports per-command failures (MaxRetriesPerRequestError, WRONGTYPE) inside
        // the results instead of rejecting.
        if (error) throw mapError(error, 'ZREM', key);
      }
      return isLive(results[0]![1] as string | null);
    });
  }

  function setMeta(digest: string, meta: LayerMeta): Promise<void> {
    const key = keys.meta(digest);
    if (ttlMs === undefined) {
      return bounded(client.set(key, encodeMeta(meta, undefined)), 'SET', key, ignore);
    }
    const value = encodeMeta(meta, Date.now() + ttlMs);
    return bounded(client.set(key, value, 'PX', ttlMs + grace), 'SET', key, ignore);
  }

  function deleteMeta(digest: string): Promise<boolean> {
    const key = keys.meta(digest);
    return bounded(client.getdel(key), 'GETDEL', key, (value) => readMeta(value) !== undefined);
  }

  return {
    contains(repo, digest) {
      checkUp();
      const key = keys.membership(repo);
      return bounded(client.zscore(key, memberOf(digest)), 'ZSCORE', key, isLive);
    },

    add(repo, digest, signal) {
      checkUp();
      if (mustWait(signal)) {
        return afterReady(signal!, 'ZADD', keys.membership(repo), () => add(repo, digest));
      }
      return add(repo, digest);
    },

    remove(repo, digest, signal) {
      checkUp();
      if (mustWait(signal)) {
        return afterReady(signal!, 'ZREM', keys.membership(repo), () => remove(repo, digest));
      }
      return remove(repo, digest);
    },

    meta(digest) {
      checkUp();
      const key = keys.meta(digest);
      return bounded(client.get(key), 'GET', key, readMeta);
    },

    setMeta(digest, meta: LayerMeta, signal) {
      checkUp();
      if (mustWait(signal)) {
        return afterReady(signal!, 'SET', keys.meta(digest), () => setMeta(digest, meta));
      }
      return setMeta(digest, meta);
    },

    deleteMeta(digest, signal) {
      checkUp();
      if (mustWait(signal)) {
        return afterReady(signal!, 'GETDEL', keys.meta(digest), () => deleteMeta(digest));
      }
      return deleteMeta(digest);
    },

    clear(signal) {
      checkUp();
      if (mustWait(signal)) {
        return afterReady(signal!, 'SCAN', keys.scanPattern, () =>
          clearKeys(client, keys, deadlines, signal),
        );
      }
      return clearKeys(client, keys, deadlines, signal);
    },

    async close() {
      try {
        if (owned) await closeClient(client, deadlines);
      } finally {
        deadlines.stop();
      }
    },
  };
}

function ignore(): void {}

/** QUIT (which lets replies in flight arrive), bounded; a client that cannot quit is cut off. */
async function closeClient(client: Redis | Cluster, deadlines: Deadlines): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await deadlines.guard(client.quit(), 'QUIT', '');
  } catch {
    client.disconnect();
  }
}
