/**
 * Confirmed revocations (`confirmRevocations`): what the store asks of the confirmer, and what
 * the confirmer asks of a client library. The confirmer is written once (confirmer.ts: which
 * masters need confirming, a marker, `WAIT`); a library gives it connections of its own to the
 * masters ({@link ConfirmLinks}, ioredis/confirm.ts and node-redis/confirm.ts).
 */
import type { KeyLayout } from '../keys.js';

/** See `RedisCacheOptions.confirmRevocations`. */
export type ConfirmRevocations = boolean | 'auto';

/**
 * A revocation was applied on the master but no replica acknowledged it in time: it may be lost
 * if the master fails now. Reaches the caller as the `cause` of core's `UnavailableError`; retry
 * the revocation (a retry is confirmed with everything the master did before it).
 */
export class RevocationUnconfirmedError extends Error {
  override readonly name = 'RevocationUnconfirmedError';
}

/** Routes revocations through a confirmed link when the deployment has replicas. */
export interface RevocationConfirmer {
  /**
   * Runs `send` — the commands of one revocation on `key` — on the main client when no
   * confirmation is needed, or on the link of the key's master followed by `WAIT`.
   */
  revoke<T>(key: string, command: string, send: (on: RevocationCommands) => Promise<T>): Promise<T>;
  /** `clear()`: `unconfirmed` when no master needs confirmation, else on every master's link. */
  clear(unconfirmed: () => Promise<void>, signal: AbortSignal | undefined): Promise<void>;
  /** Closes every link. */
  close(): Promise<void>;
}

export interface ConfirmerOptions {
  readonly mode: ConfirmRevocations;
  readonly commandTimeoutMs: number;
  readonly keyPrefix: string;
  readonly keys: KeyLayout;
}

/** The commands of a revocation, on the main connection or on a master's link. */
export interface RevocationCommands {
  /** `MULTI ZSCORE key member ZREM key member EXEC` (see `RedisDriver.zscoreAndRemove`). */
  zscoreAndRemove(key: string, member: string): Promise<string | number | null>;
  getdel(key: string): Promise<string | null>;
}

/** The time `WAIT` may take: the rest of the call's `commandTimeoutMs` is for the round trip. */
export function waitTimeoutMs(commandTimeoutMs: number): number {
  return Math.max(1, Math.floor((commandTimeoutMs * 3) / 4));
}

/**
 * A connection of its own to one master (the *link*), opened by a client library's translation:
 * never pipelined with other traffic, no per-command timeout of the library (the confirmer bounds
 * every step itself), on the cache's database.
 */
export interface ConfirmLink {
  /**
   * Settles once the link takes commands — connected, and a database other than 0 selected and
   * checked — or rejects when it cannot (the link is then dropped); `undefined` when it takes
   * them at once. Nothing is sent on the link before.
   */
  readonly ready: Promise<unknown> | undefined;
  /** The store's revocation commands on this link. */
  readonly commands: RevocationCommands;
  /** `INFO replication`, as text. */
  info(): Promise<string>;
  /**
   * Sends `MULTI SET marker 1 UNLINK marker EXEC` and `WAIT 1 waitMs` at once, behind what was
   * sent on the link before; resolves with `WAIT`'s answer (the replicas that acknowledged),
   * rejects with the failure of the `MULTI` (its first failed command) or of `WAIT`.
   */
  confirm(marker: string, waitMs: number): Promise<number>;
  /** `SCAN cursor MATCH pattern COUNT count` on this master. */
  scan(cursor: string, pattern: string, count: number): Promise<readonly [string, string[]]>;
  /** `UNLINK key` (one key: the keys of one master may be in different slots). */
  unlink(key: string): Promise<unknown>;
  /** `true` while connected: `close()` quits a ready link and cuts any other. */
  isReady(): boolean;
  /** Calls `ended` once the link is gone for good (a new one is opened for the next revocation). */
  onEnd(ended: () => void): void;
  /** Quits: replies in flight arrive. */
  quit(): Promise<unknown>;
  /** Cuts the connection. */
  destroy(): void;
}

/** What a client library gives the confirmer: the masters, and links to them. */
export interface ConfirmLinks {
  /** A Cluster's slot table as the client knows it; `undefined` for one master (standalone, Sentinel). */
  readonly cluster: ClusterMasters | undefined;
  /**
   * Opens a link to the master at `address`: a Cluster master's `host:port`, or
   * {@link ONE_MASTER} (the one master, followed through a Sentinel failover where the client
   * follows it). Throws when the client has no connection to such a master.
   */
  open(address: string): ConfirmLink;
}

/** The name of the one master of a standalone or Sentinel deployment. */
export const ONE_MASTER = 'master';

/** A Cluster's masters, per the client's slot table. */
export interface ClusterMasters {
  /**
   * The master of `slot` (`host:port`), and whether the table lists a replica of it (a master the
   * confirmer then confirms on without asking); `undefined` when the table has none.
   */
  masterOf(slot: number): { readonly address: string; readonly replicaListed: boolean } | undefined;
  /** Every slot the table knows, with its master's address. */
  slots(): Iterable<readonly [slot: number, address: string]>;
  /** Learns the slot table anew (a `MOVED`: a slot changed masters); optional. */
  refresh?(): void;
}
