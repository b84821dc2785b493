/**
 * Confirmed revocations (`confirmRevocations`): what the store asks of a client library's
 * confirmer. See ioredis/confirm.ts for how it is done (a link per master, a marker, `WAIT`) and
 * node-redis/confirm.ts for what that library does until it is ported.
 */
import type { KeyLayout } from './keys.js';

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
