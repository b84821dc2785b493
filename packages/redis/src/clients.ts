/**
 * The client shapes the cache accepts, described by the few members it reads, so that the
 * published types compile with only one of the two client libraries installed (or neither). A
 * client is recognised by its shape, never by `instanceof`: the caller's copy of the library may
 * not be the one this package would load.
 */

/**
 * An ioredis `Redis` or `Cluster` client (including one connected through Sentinel), major 5
 * or 6.
 */
export interface IoredisClient {
  /** ioredis' connection status (`"ready"`, `"connecting"`, `"end"`, …). */
  readonly status: string;
  readonly options: object;
  zscore(key: string, member: string): Promise<unknown>;
}

/**
 * A node-redis 6 client: `createClient()`, `createCluster()` or `createSentinel()` of `redis`
 * or `@redis/client`.
 */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  zScore(key: string, member: string): Promise<unknown>;
}

/** Which library a borrowed client comes from, read from its shape. */
export function libraryOf(client: unknown): 'ioredis' | 'node-redis' | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const candidate = client as Partial<IoredisClient & NodeRedisClient>;
  if (typeof candidate.zscore === 'function' && typeof candidate.status === 'string') {
    return 'ioredis';
  }
  if (typeof candidate.zScore === 'function' && typeof candidate.isOpen === 'boolean') {
    return 'node-redis';
  }
  return undefined;
}

/** The kind of node-redis client, read from members only that kind has. */
export function nodeRedisKind(client: object): 'client' | 'cluster' | 'sentinel' {
  const candidate = client as { nodeClient?: unknown; getMasterNode?: unknown };
  if (typeof candidate.nodeClient === 'function') return 'cluster';
  if (typeof candidate.getMasterNode === 'function') return 'sentinel';
  return 'client';
}
