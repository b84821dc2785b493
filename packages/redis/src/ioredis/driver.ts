import type { Cluster, Redis } from 'ioredis';
import type { RevocationCommands } from '../confirm/index.js';
import { type RedisDriver, type ScanTarget, zscanPairs } from '../driver.js';
import { sharedIoredisClusterLink, sharedIoredisLink } from '../near/index.js';
import { isCluster } from './client.js';
import { createIoredisConfirmer } from './confirm.js';
import type { ClientWatch } from './watch.js';

/** How the store reaches Redis through ioredis, and whether closing the cache closes the client. */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  /** `true` when the cache created the client: `close()` then quits it. */
  readonly owned: boolean;
  /** Why the connection last failed, and whether its database could be selected. */
  readonly watch: ClientWatch;
}

// Statuses in which ioredis would park a command in its offline queue until a reconnect that may
// be far away. Failing at once keeps that queue (and the caller) from waiting for nothing; the
// first connection ('wait', 'connecting', 'connect') is still waited for, bounded by the timeout.
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting']);

type Score = string | number | null;

/** `MULTI ZSCORE ZREM EXEC` and `GETDEL` on a client: the main one, or a confirmer's link. */
function revocationCommands(client: Redis | Cluster): RevocationCommands {
  return {
    async zscoreAndRemove(key, member) {
      const results = await client.multi().zscore(key, member).zrem(key, member).exec();
      if (results === null) throw new Error(`MULTI on ${key} was aborted`);
      for (const [error] of results) {
        // ioredis reports per-command failures (MaxRetriesPerRequestError, WRONGTYPE) inside
        // the results instead of rejecting.
        if (error) throw error;
      }
      return results[0]![1] as Score;
    },
    getdel: (key) => client.getdel(key),
  };
}

/** The store's commands on an ioredis `Redis` or `Cluster` client, major 5 or 6. */
export function createIoredisDriver({ client, owned, watch }: RedisConnection): RedisDriver {
  const cluster = isCluster(client);
  const scanTarget = (node: Redis): ScanTarget => ({
    scan: (cursor, pattern, count) => node.scan(cursor, 'MATCH', pattern, 'COUNT', count),
  });
  const { zscoreAndRemove, getdel } = revocationCommands(client);
  return {
    // A Cluster's offline queue has no timeout: every call waits in the cache instead.
    waitsForReady: cluster,
    // With a database other than 0, nothing may reach a connection before its SELECT is known to
    // have worked: ioredis would otherwise send it to database 0 (see ClientWatch.databaseError).
    selects: watch.database !== 0,
    naming: watch.naming,

    isReady: () =>
      client.status === 'ready' && watch.databaseError === undefined && !watch.verifying,
    failure() {
      if (watch.databaseError !== undefined) return watch.databaseError;
      if (!DOWN.has(client.status)) return undefined;
      const last = watch.lastError;
      return new Error(
        `Redis is not connected (ioredis status "${client.status}")${last ? `: ${last.message}` : ''}`,
      );
    },
    describeState: () => `ioredis status "${client.status}"`,
    watchReadiness(wake) {
      client.on('ready', wake);
      client.on('end', wake);
      // A database that cannot be selected will not be by waiting: the waiting calls fail at once.
      watch.onDatabaseChange = wake;
      // A borrowed lazyConnect client connects on its first command; none has been sent.
      if (client.status === 'wait') client.connect().catch(() => {});
      return () => {
        client.off('ready', wake);
        client.off('end', wake);
        watch.onDatabaseChange = undefined;
      };
    },

    zscore: (key, member) => client.zscore(key, member) as Promise<Score>,
    zadd: (key, score, member) => client.zadd(key, score, member),
    zaddExpiring: (key, score, member, expireMs, trimBelow) =>
      Promise.all([
        client.zadd(key, score, member),
        client.pexpire(key, expireMs),
        client.zremrangebyscore(key, '-inf', `(${trimBelow}`),
      ]),
    zscoreAndRemove,
    get: (key) => client.get(key),
    set: (key, value, expireMs) =>
      expireMs === undefined ? client.set(key, value) : client.set(key, value, 'PX', expireMs),
    getdel,
    masters: () =>
      (cluster ? (client as Cluster).nodes('master') : [client as Redis]).map(scanTarget),
    // Through the Cluster client, which routes each key to its slot's master (a multi-key UNLINK
    // on one node would fail with CROSSSLOT).
    unlink: (keys) =>
      cluster
        ? Promise.all(keys.map((key) => client.unlink(key)))
        : (client as Redis).unlink(...keys),
    async zscan(key, cursor, count) {
      const [next, flat] = await client.zscan(key, cursor, 'COUNT', count);
      return [next, zscanPairs(flat)];
    },

    confirmer: (options) => createIoredisConfirmer(client, revocationCommands, options),
    // On a Cluster, one link per master, fenced together (src/near/cluster-link.ts).
    tracking: (options) =>
      cluster
        ? sharedIoredisClusterLink(client as Cluster, options)
        : sharedIoredisLink(client as Redis, options),

    async close(timeoutMs) {
      try {
        if (owned) await quit(client, timeoutMs);
      } finally {
        watch.stop();
      }
    },
  };
}

/** QUIT (which lets replies in flight arrive), bounded; a client that cannot quit is cut off. */
async function quit(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'late');
  });
  try {
    const outcome = await Promise.race([client.quit(), late]);
    if (outcome === 'late') client.disconnect();
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
