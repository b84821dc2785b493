import type { RevocationCommands } from '../confirm/index.js';

/** The node-redis `MULTI` builder, as the cache chains it (on a client, cluster, or lease). */
export interface NodeRedisMulti {
  zScore(key: string, member: string): NodeRedisMulti;
  zRem(key: string, member: string): NodeRedisMulti;
  set(key: string, value: string): NodeRedisMulti;
  unlink(key: string): NodeRedisMulti;
  exec(): Promise<unknown[]>;
}

/** What a connection needs for the store's revocations (a cluster takes the key to route by). */
export interface NodeRedisRevoking {
  multi(routing?: string): NodeRedisMulti;
  getDel(key: string): Promise<string | null>;
}

/**
 * node-redis reports each failed command of a MULTI in `replies` of one MultiErrorReply: the
 * failure of our command (WRONGTYPE, NOPERM) is what names the problem.
 */
export function firstReplyError(error: unknown): unknown {
  const { replies, errorIndexes } = (error ?? {}) as {
    replies?: unknown[];
    errorIndexes?: number[];
  };
  if (Array.isArray(replies) && Array.isArray(errorIndexes) && errorIndexes.length > 0) {
    return replies[errorIndexes[0]!];
  }
  return error;
}

/** `MULTI ZSCORE ZREM EXEC` and `GETDEL` on a connection: the main one, or a confirmer's link. */
export function revocationCommands(on: NodeRedisRevoking): RevocationCommands {
  return {
    async zscoreAndRemove(key, member) {
      try {
        const [score] = await on.multi(key).zScore(key, member).zRem(key, member).exec();
        return score as number | null;
      } catch (error) {
        throw firstReplyError(error);
      }
    },
    getdel: (key) => on.getDel(key),
  };
}
