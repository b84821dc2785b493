import type { ConfirmerOptions, RevocationConfirmer } from './confirm/index.js';
import type { FailureNaming } from './errors.js';
import type { TrackingLinkFactory, TrackingLinkOptions } from './near/link.js';

/**
 * What the store needs from a Redis client library: the few commands of the key layout, the
 * connection's state, and how to close it. Everything else — keys, TTL, revocation, `clear` on
 * every master, readiness, error naming — is written once over this interface, so a client
 * library is one small translation module (`src/ioredis/`).
 *
 * Commands reject with the library's own errors; the store names them (see errors.ts).
 */
export interface RedisDriver {
  /**
   * `true` when every call must wait in the cache while the client is not ready, because the
   * client's own offline queue has no timeout (an ioredis Cluster) or there is none (node-redis
   * as the cache configures it). Otherwise only writes with a signal wait (see gate.ts).
   */
  readonly waitsForReady: boolean;
  /**
   * `true` when the connection selects a database other than 0: no command may reach it before
   * its `SELECT` is known to have worked, or it would run on database 0.
   */
  readonly selects: boolean;
  /** How failures of this client are named (its library's quirks, its credentials, its endpoint). */
  readonly naming: FailureNaming;

  /** The hot path's one check: connected, and its database selected. */
  isReady(): boolean;
  /**
   * Why no call can be sent now and waiting will not help (the connection is down, or its
   * database cannot be selected); `undefined` while it may still come up.
   */
  failure(): Error | undefined;
  /** The connection's state for a message: `ioredis status "connecting"`. */
  describeState(): string;
  /**
   * Calls `wake` whenever the connection becomes ready, ends for good, or its database check
   * settles, until the returned function is called. Starts a lazy borrowed client.
   */
  watchReadiness(wake: () => void): () => void;

  /** The score of `member`, `null` without one (a string on RESP2, maybe a number on RESP3). */
  zscore(key: string, member: string): Promise<string | number | null>;
  zadd(key: string, score: number | '+inf', member: string): Promise<unknown>;
  /**
   * One pipelined batch on one key: `ZADD key score member`, `PEXPIRE key expireMs` and
   * `ZREMRANGEBYSCORE key -inf (trimBelow`.
   */
  zaddExpiring(
    key: string,
    score: number,
    member: string,
    expireMs: number,
    trimBelow: number,
  ): Promise<unknown>;
  /** `MULTI ZSCORE key member ZREM key member EXEC`: the score the member had, atomically removed. */
  zscoreAndRemove(key: string, member: string): Promise<string | number | null>;
  get(key: string): Promise<string | null>;
  /** `SET key value`, with `PX expireMs` when given. */
  set(key: string, value: string, expireMs?: number): Promise<unknown>;
  getdel(key: string): Promise<string | null>;
  /**
   * The masters to SCAN for `clear()` (one for a standalone client; every master of a Cluster,
   * since a SCAN on one node sees only that node's keys). Only called while ready.
   */
  masters(): readonly ScanTarget[];
  /** Deletes keys (of any slot: a Cluster routes each key to its own master). */
  unlink(keys: readonly string[]): Promise<unknown>;
  /**
   * `ZSCAN key cursor COUNT count`: the next cursor and the `[member, score]` pairs found (the
   * optional capabilities `forgetDigest` and `entries`, see capabilities.ts).
   */
  zscan(
    key: string,
    cursor: string,
    count: number,
  ): Promise<readonly [string, ReadonlyArray<readonly [string, string | number]>]>;

  /**
   * The confirmer of revocations (`confirmRevocations`): the shared one of confirm/confirmer.ts
   * (a dedicated connection per master, a marker write and `WAIT`) over this library's links.
   */
  confirmer(options: ConfirmerOptions): RevocationConfirmer;
  /**
   * The near cache's `CLIENT TRACKING` link on this connection (src/near); absent on a library
   * that has none yet (`near` is refused when options are read).
   */
  readonly tracking?: (options: TrackingLinkOptions) => TrackingLinkFactory;

  /**
   * Releases what the cache holds: an owned client is quit (replies in flight arrive), or cut off
   * when it does not quit within `timeoutMs`; a borrowed client is only no longer watched.
   */
  close(timeoutMs: number): Promise<void>;
}

/** One master's keyspace, walked by `SCAN`. */
export interface ScanTarget {
  /** `SCAN cursor MATCH pattern COUNT count`: the next cursor and the keys found. */
  scan(cursor: string, pattern: string, count: number): Promise<readonly [string, string[]]>;
}

/** A `ZSCAN` reply's flat `member, score, member, score, …` list, as pairs. */
export function zscanPairs(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
