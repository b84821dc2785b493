import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import type { Cluster, Redis } from 'ioredis';
import { createRedisCapabilities } from './capabilities.js';
import { clearKeys } from './clear.js';
import { isCluster } from './client.js';
import { decodeMeta, encodeMeta, isLiveScore } from './codec.js';
import { createRevocationConfirmer } from './confirm.js';
import { Deadlines, RedisTimeoutError } from './deadline.js';
import { nameCommandFailure } from './errors.js';
import { createKeyLayout, memberOf } from './keys.js';
import { metaWithExpiry, scoreExpiry } from './near/expiry.js';
import type { NearReads } from './near/link.js';
import type { ResolvedRedisCacheOptions } from './options.js';
import type { ClientWatch } from './watch.js';

/** How the store reaches Redis, and whether closing the cache closes the client. */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  /** `true` when the cache created the client: `close()` then quits it. */
  readonly owned: boolean;
  /** Why the connection last failed, and whether its database could be selected. */
  readonly watch: ClientWatch;
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
function mapWrongType(error: unknown, command?: string, key?: string): unknown {
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
): LayerInfoStore & NearReads {
  const { client, owned, watch } = connection;
  const { ttlMs, commandTimeoutMs } = options;
  const keys = createKeyLayout(options.keyPrefix);
  // Every failure a caller sees passes here: named (what failed, where) and without credentials.
  const mapError = (error: unknown, command?: string, key?: string) =>
    nameCommandFailure(mapWrongType(error, command, key), watch.naming, command, key);
  const deadlines = new Deadlines(commandTimeoutMs, mapError);
  const grace = ttlMs === undefined ? 0 : gcGraceMs(ttlMs);
  // With a database other than 0, nothing may reach a connection before its SELECT is known to
  // have worked: ioredis would otherwise send it to database 0 (see ClientWatch.databaseError).
  const selects = watch.database !== 0;
  // Revocations on a deployment with replicas are confirmed by one (confirm.ts).
  const confirm = createRevocationConfirmer(client, {
    mode: options.confirmRevocations,
    commandTimeoutMs,
    keyPrefix: options.keyPrefix,
    keys,
    deadlines,
  });

  function checkUp(): void {
    if (watch.databaseError !== undefined) throw watch.databaseError;
    if (DOWN.has(client.status)) {
      const last = watch.lastError;
      throw new Error(
        `Redis is not connected (ioredis status "${client.status}")${last ? `: ${last.message}` : ''}`,
      );
    }
  }

  // Calls waiting for the connection (see afterReady). One set of client listeners serves them
  // all — a listener per call would pile up on the client — and each call leaves the set when it
  // settles, so nothing accumulates however long Redis stays away.
  const waiting = new Set<() => void>();
  function wake(): void {
    client.off('ready', wake);
    client.off('end', wake);
    for (const waiter of waiting) waiter();
    waiting.clear();
  }
  // A database that cannot be selected will not be by waiting: the waiting calls fail at once.
  watch.onDatabaseChange = wake;
  function enqueue(waiter: () => void): void {
    if (waiting.size === 0) {
      client.on('ready', wake);
      client.on('end', wake);
    }
    waiting.add(waiter);
    // A borrowed lazyConnect client connects on its first command; none has been sent.
    if (client.status === 'wait') client.connect().catch(() => {});
  }
  function leave(waiter: () => void): void {
    waiting.delete(waiter);
    if (waiting.size === 0) {
      client.off('ready', wake);
      client.off('end', wake);
    }
  }

  /**
   * A call that must not be handed to a client that is not ready waits here instead of in
   * ioredis' offline queue, where a command is sent whenever the connection comes up — even long
   * after its caller was answered (aborted, or timed out). Used for writes with a signal, which
   * check it again once the connection is ready and send nothing if it was aborted (DESIGN.md
   * §3: an aborted call that had not reached the backend has changed nothing), and for every
   * call on a Cluster, whose offline queue has no timeout at all. A call whose time ran out
   * while waiting is not sent either. Bounded by `commandTimeoutMs` as a whole. Never on the hot
   * path (a ready client).
   */
  function afterReady<R>(
    signal: AbortSignal | undefined,
    command: string,
    key: string,
    send: () => Promise<R>,
  ): Promise<R> {
    const waited = new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => {
        clearTimeout(timer);
        leave(waiter);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter = () => done();
      const onAbort = () => done(signal!.reason);
      const timer = setTimeout(
        () =>
          done(
            new RedisTimeoutError(
              `Redis was not ready for ${command} ${key} within ${commandTimeoutMs} ms ` +
                `(ioredis status "${client.status}")` +
                (watch.lastError ? `: ${watch.lastError.message}` : ''),
            ),
          ),
        commandTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      enqueue(waiter);
    });
    return deadlines.guard(
      waited.then(() => {
        if (signal?.aborted) throw signal.reason;
        checkUp();
        // Woken by a database check rather than by `ready`: a command handed to a connection
        // that is not ready waits in ioredis' queue, and runs on database 0 if SELECT fails next.
        if (selects && client.status !== 'ready') {
          throw new Error(
            `Redis was not ready for ${command} ${key} (ioredis status "${client.status}")`,
          );
        }
        return send();
      }),
      command,
      key,
    );
  }

  const cluster = isCluster(client);
  /**
   * Checks a client that is not `ready`: throws when it is down, and says whether the call must
   * wait in {@link afterReady} (a write with a signal, or any call on a Cluster).
   */
  function mustWait(signal: AbortSignal | undefined): boolean {
    checkUp();
    return cluster || selects || signal !== undefined;
  }
  const notReady = () =>
    client.status !== 'ready' || watch.databaseError !== undefined || watch.verifying;

  // When ioredis already times every command out soon enough (owned standalone clients are
  // configured so), a call is only wrapped to map its reply: the hot path pays for no extra
  // promise or deadline bookkeeping. A standalone client times a command out even while it waits
  // in the offline queue. A Cluster does not: it queues commands without a timer before it is
  // ready, and re-arms the node's timer each time it retries a command during a failover
  // (measured: 1.7 s for a 500 ms timeout), so Cluster calls always get the store's deadline.
  const ownTimeout = cluster ? undefined : clientCommandTimeout(client);
  const trusted = ownTimeout !== undefined && ownTimeout > 0 && ownTimeout <= commandTimeoutMs;

  function bounded<T, R>(
    pending: Promise<T>,
    command: string,
    key: string,
    map: (value: T) => R,
  ): Promise<R> {
    if (trusted) {
      return pending.then(map, (error: unknown) => {
        throw mapError(error, command, key);
      });
    }
    return deadlines.guard(pending, command, key, map);
  }

  const isLive = (score: string | number | null) => isLiveScore(score, Date.now());
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
    const transaction = confirm.revoke(key, 'ZREM', (on) =>
      on.multi().zscore(key, member).zrem(key, member).exec(),
    );
    return bounded(transaction, 'ZREM', key, (results) => {
      if (results === null) throw new Error(`MULTI on ${key} was aborted`);
      for (const [error] of results) {
        // ioredis reports per-command failures (MaxRetriesPerRequestError, WRONGTYPE) inside
        // the results instead of rejecting.
        if (error) throw mapError(error, 'ZREM', key);
      }
      return isLive(results[0]![1] as string | number | null);
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
    const deleted = confirm.revoke(key, 'GETDEL', (on) => on.getdel(key));
    return bounded(deleted, 'GETDEL', key, (value) => readMeta(value) !== undefined);
  }

  function contains(repo: string, digest: string): Promise<boolean> {
    const key = keys.membership(repo);
    return bounded(client.zscore(key, memberOf(digest)), 'ZSCORE', key, isLive);
  }

  function meta(digest: string): Promise<LayerMeta | undefined> {
    const key = keys.meta(digest);
    return bounded(client.get(key), 'GET', key, readMeta);
  }

  // Each operation costs one status check on the hot path; a client that is not ready is
  // checked further (down: fail at once; else maybe wait) off it.
  return {
    contains(repo, digest) {
      if (notReady() && mustWait(undefined)) {
        return afterReady(undefined, 'ZSCORE', keys.membership(repo), () => contains(repo, digest));
      }
      return contains(repo, digest);
    },

    add(repo, digest, signal) {
      if (notReady() && mustWait(signal)) {
        return afterReady(signal, 'ZADD', keys.membership(repo), () => add(repo, digest));
      }
      return add(repo, digest);
    },

    remove(repo, digest, signal) {
      if (notReady() && mustWait(signal)) {
        return afterReady(signal, 'ZREM', keys.membership(repo), () => remove(repo, digest));
      }
      return remove(repo, digest);
    },

    meta(digest) {
      if (notReady() && mustWait(undefined)) {
        return afterReady(undefined, 'GET', keys.meta(digest), () => meta(digest));
      }
      return meta(digest);
    },

    setMeta(digest, value: LayerMeta, signal) {
      if (notReady() && mustWait(signal)) {
        return afterReady(signal, 'SET', keys.meta(digest), () => setMeta(digest, value));
      }
      return setMeta(digest, value);
    },

    deleteMeta(digest, signal) {
      if (notReady() && mustWait(signal)) {
        return afterReady(signal, 'GETDEL', keys.meta(digest), () => deleteMeta(digest));
      }
      return deleteMeta(digest);
    },

    clear(signal) {
      if (notReady() && mustWait(signal)) {
        return afterReady(signal, 'SCAN', keys.scanPattern, () =>
          confirm.clear(() => clearKeys(client, keys, deadlines, signal), signal),
        );
      }
      return confirm.clear(() => clearKeys(client, keys, deadlines, signal), signal);
    },

    // Near cache hook (src/near): contains and meta, answered with the entry's expiry.
    membershipExpiry(repo, digest) {
      const key = keys.membership(repo);
      const send = () =>
        bounded(client.zscore(key, memberOf(digest)), 'ZSCORE', key, (score) =>
          scoreExpiry(score, Date.now()),
        );
      return notReady() && mustWait(undefined)
        ? afterReady(undefined, 'ZSCORE', key, send)
        : send();
    },

    metaEntry(digest) {
      const key = keys.meta(digest);
      const send = () =>
        bounded(client.get(key), 'GET', key, (value) => metaWithExpiry(value, Date.now()));
      return notReady() && mustWait(undefined) ? afterReady(undefined, 'GET', key, send) : send();
    },

    async close() {
      try {
        await confirm.close();
        if (owned) await closeClient(client, deadlines);
      } finally {
        watch.stop();
        deadlines.stop();
      }
    },

    ...createRedisCapabilities(client, keys, deadlines),
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
