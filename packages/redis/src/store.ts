import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import { createRedisCapabilities } from './capabilities.js';
import { type ClearRun, clearKeys } from './clear.js';
import { decodeMeta, encodeMeta, isLiveScore } from './codec.js';
import type { RedisDriver } from './driver.js';
import { nameCommandFailure } from './errors.js';
import { createReadinessGate } from './gate.js';
import { createKeyLayout, memberOf } from './keys.js';
import { metaWithExpiry, scoreExpiry } from './near/expiry.js';
import type { NearReads } from './near/link.js';
import type { ResolvedRedisCacheOptions } from './options.js';

/**
 * Whole keys are also given a server-side expiry, for garbage collection only: a repository
 * nobody adds to any more disappears on its own. It is set this far beyond the TTL so that it
 * can never cut an entry short — entries expire by their own time, read in the client — even with
 * clocks that disagree or a test that fakes `Date`.
 */
export function gcGraceMs(ttlMs: number): number {
  return Math.max(ttlMs, 60_000);
}

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

/** One of the seven operations: the command it is named by in errors, and how it is sent. */
interface Operation<A, T, R> {
  readonly command: string;
  readonly send: (key: string, argument: A) => Promise<T>;
  readonly map: (value: T) => R;
}

/**
 * The Redis store behind {@link createRedisCache}, over any client library's {@link RedisDriver}.
 * Every operation sends commands on a single key, so it is correct on a Cluster; see the README
 * for the layout and the commands. Core's wrapper bounds every call by `commandTimeoutMs`.
 */
export function createRedisStore(
  driver: RedisDriver,
  options: ResolvedRedisCacheOptions,
): LayerInfoStore & NearReads {
  const { ttlMs, commandTimeoutMs } = options;
  const keys = createKeyLayout(options.keyPrefix);
  const gate = createReadinessGate(driver, commandTimeoutMs);
  const grace = ttlMs === undefined ? 0 : gcGraceMs(ttlMs);
  // Every failure a caller sees passes here: named (what failed, where) and without credentials.
  const mapError = (error: unknown, command?: string, key?: string) =>
    nameCommandFailure(mapWrongType(error, command, key), driver.naming, command, key);
  // Revocations on a deployment with replicas are confirmed by one (confirm/).
  const confirm = driver.confirmer({
    mode: options.confirmRevocations,
    commandTimeoutMs,
    keyPrefix: options.keyPrefix,
    keys,
  });

  /**
   * The one path of every operation. A ready client (the hot path) costs one check; otherwise a
   * client that is down fails the call at once, and a call that must not reach a client that is
   * not ready waits in the gate first.
   */
  function dispatch<A, T, R>(
    operation: Operation<A, T, R>,
    key: string,
    argument: A,
    signal: AbortSignal | undefined,
  ): Promise<R> {
    const fail = (error: unknown): never => {
      throw mapError(error, operation.command, key);
    };
    if (!driver.isReady() && gate.holds(signal)) {
      return gate
        .wait(operation.command, key, signal)
        .then(() => operation.send(key, argument))
        .then(operation.map, fail);
    }
    return operation.send(key, argument).then(operation.map, fail);
  }

  // A membership without a TTL (`+inf`) needs no clock.
  const isLive = (score: string | number | null) =>
    score === 'inf' || score === Number.POSITIVE_INFINITY || isLiveScore(score, Date.now());
  const readMeta = (value: string | null) =>
    // A value we cannot parse is not ours: a miss, which a later setMeta overwrites.
    value === null ? undefined : (decodeMeta(value, Date.now()) ?? undefined);
  const found = (value: string | null) => readMeta(value) !== undefined;

  const contains: Operation<string, string | number | null, boolean> = {
    command: 'ZSCORE',
    send: (key, member) => driver.zscore(key, member),
    map: isLive,
  };
  const add: Operation<string, unknown, void> = {
    command: 'ZADD',
    send(key, member) {
      if (ttlMs === undefined) return driver.zadd(key, '+inf', member);
      // Three pipelined single-key commands: the membership with its expiry as score, the key's
      // garbage-collection expiry, and a trim of members long expired (by the client's clock) so
      // that a repository added to forever does not grow forever.
      const now = Date.now();
      return driver.zaddExpiring(key, now + ttlMs, member, ttlMs + grace, now - grace);
    },
    map: ignore,
  };
  // MULTI so that the answer (was it there and live?) and the removal are one atomic step.
  const remove: Operation<string, string | number | null, boolean> = {
    command: 'ZREM',
    send: (key, member) => confirm.revoke(key, 'ZREM', (on) => on.zscoreAndRemove(key, member)),
    map: isLive,
  };
  const meta: Operation<undefined, string | null, LayerMeta | undefined> = {
    command: 'GET',
    send: (key) => driver.get(key),
    map: readMeta,
  };
  const setMeta: Operation<LayerMeta, unknown, void> = {
    command: 'SET',
    send(key, value) {
      if (ttlMs === undefined) return driver.set(key, encodeMeta(value, undefined));
      return driver.set(key, encodeMeta(value, Date.now() + ttlMs), ttlMs + grace);
    },
    map: ignore,
  };
  const deleteMeta: Operation<undefined, string | null, boolean> = {
    command: 'GETDEL',
    send: (key) => confirm.revoke(key, 'GETDEL', (on) => on.getdel(key)),
    map: found,
  };
  // Near cache reads (src/near): contains and meta, answered with the entry's expiry.
  const membershipExpiry: Operation<string, string | number | null, number | undefined> = {
    command: 'ZSCORE',
    send: (key, member) => driver.zscore(key, member),
    map: (score) => scoreExpiry(score, Date.now()),
  };
  const metaEntry: Operation<
    undefined,
    string | null,
    { meta: LayerMeta; expiresAt: number } | undefined
  > = {
    command: 'GET',
    send: (key) => driver.get(key),
    map: (value) => metaWithExpiry(value, Date.now()),
  };
  const clear: Operation<Omit<ClearRun, 'mapError'>, void, void> = {
    command: 'SCAN',
    send: (_pattern, run) =>
      confirm.clear(() => clearKeys(driver, keys, { ...run, mapError }), run.signal),
    map: ignore,
  };

  return {
    contains: (repo, digest) =>
      dispatch(contains, keys.membership(repo), memberOf(digest), undefined),
    add: (repo, digest, signal) => dispatch(add, keys.membership(repo), memberOf(digest), signal),
    remove: (repo, digest, signal) =>
      dispatch(remove, keys.membership(repo), memberOf(digest), signal),
    meta: (digest) => dispatch(meta, keys.meta(digest), undefined, undefined),
    setMeta: (digest, value, signal) => dispatch(setMeta, keys.meta(digest), value, signal),
    deleteMeta: (digest, signal) => dispatch(deleteMeta, keys.meta(digest), undefined, signal),
    clear: (signal) => {
      // Timed from the call, as core's deadline is: no step is sent once the caller was answered.
      const run = { signal, deadline: performance.now() + commandTimeoutMs };
      return dispatch(clear, keys.scanPattern, run, signal);
    },
    membershipExpiry: (repo, digest) =>
      dispatch(membershipExpiry, keys.membership(repo), memberOf(digest), undefined),
    metaEntry: (digest) => dispatch(metaEntry, keys.meta(digest), undefined, undefined),
    async close() {
      try {
        await confirm.close();
      } finally {
        await driver.close(commandTimeoutMs);
      }
    },
    ...createRedisCapabilities(driver, keys, gate, mapError),
  };
}

function ignore(): void {}
