import { type RedisDriver, type ScanTarget, zscanPairs } from '../driver.js';
import { sharedLink } from '../near/index.js';
import { createNodeRedisConfirmer } from './confirm.js';
import { type NodeRedisMulti, revocationCommands } from './multi.js';
import { createNodeRedisLink, type NodeRedisTrackedClient } from './near-link.js';
import { describeState, type NodeRedisWatch, type WatchedClient } from './watch.js';

type Score = number | null;

/** The node-redis 6 commands the store sends (the same on a client, a cluster and a sentinel). */
interface Commands {
  zScore(key: string, member: string): Promise<Score>;
  zAdd(key: string, member: { score: number; value: string }): Promise<unknown>;
  pExpire(key: string, ms: number): Promise<unknown>;
  zRemRangeByScore(key: string, min: string, max: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: object): Promise<unknown>;
  getDel(key: string): Promise<string | null>;
  unlink(keys: string | string[]): Promise<unknown>;
  scan(cursor: string, options: object): Promise<{ cursor: string; keys: string[] }>;
  zScan(
    key: string,
    cursor: string,
    options: object,
  ): Promise<{ cursor: string; members: { value: string; score: number }[] }>;
  multi(routing?: string): NodeRedisMulti;
  /** A view whose commands reply with this mapping (the client itself keeps its own). */
  withTypeMapping?(mapping: object): unknown;
}

/** A node-redis client as the driver uses it. */
export type NodeRedisHandle = WatchedClient &
  Commands & {
    close(): Promise<unknown>;
    destroy(): unknown;
    /**
     * The command as given, its reply untransformed. A standalone client takes the arguments
     * alone; a sentinel's takes whether the command is read-only first (see {@link rawSend}); a
     * cluster's is not used.
     */
    sendCommand?(...args: [string[]] | [boolean, string[]]): Promise<unknown>;
    /** Cluster only. */
    readonly masters?: readonly object[];
    nodeClient?(node: object): Promise<Commands>;
  };

/**
 * A borrowed client may map replies to other types (Buffers for strings, Maps): the store reads
 * node-redis' default types, so its commands go through a view with the default mapping.
 * `withTypeMapping` changes the view's command options only; the caller's client keeps its own.
 */
function withDefaultReplies<T extends Pick<Commands, 'withTypeMapping'>>(client: T): T {
  return (client.withTypeMapping?.({}) as T | undefined) ?? client;
}

/** How the store reaches Redis through node-redis. */
export interface NodeRedisConnection {
  readonly client: NodeRedisHandle;
  readonly owned: boolean;
  readonly watch: NodeRedisWatch;
  /** Stops what the cache does to keep an owned client connecting (see connect.ts). */
  readonly stopConnecting?: () => void;
}

/** The store's commands on a node-redis 6 client, cluster or sentinel. */
export function createNodeRedisDriver(connection: NodeRedisConnection): RedisDriver {
  const { client, owned, watch } = connection;
  // Commands go to `commands`; events, state and closing stay with the client itself.
  const commands = owned ? client : withDefaultReplies(client);
  const cluster = watch.kind === 'cluster';
  const scanTarget = (node: Pick<Commands, 'scan'>): ScanTarget => ({
    async scan(cursor, pattern, count) {
      const reply = await node.scan(cursor, { MATCH: pattern, COUNT: count });
      return [String(reply.cursor), reply.keys];
    },
  });
  const revocation = revocationCommands(commands);
  const send = rawSend(commands, watch.kind);
  const reads = hotCommands(commands, send);
  // On a sentinel, every read goes as not read-only: to the master (see rawSend).
  const toMaster = watch.kind === 'sentinel' ? send : undefined;
  return {
    // Every call waits in the cache while node-redis is not ready: an owned client has no
    // offline queue (it would reject at once), a borrowed one's may have no timeout.
    waitsForReady: true,
    selects: false,
    naming: watch.naming,

    isReady: () => client.isReady,
    failure() {
      if (client.isOpen && !watch.reconnecting()) return undefined;
      const last = watch.lastError();
      // A first connection that failed is its own error (as on ioredis, whose queued command
      // fails with it): `connect ECONNREFUSED …`, `WRONGPASS …`, `TLS: …`.
      if (!watch.everReady() && last !== undefined) return last;
      return new Error(
        `Redis is not connected (${describeState(client, watch)})${last ? `: ${last.message}` : ''}`,
      );
    },
    describeState: () => describeState(client, watch),
    watchReadiness(wake) {
      const ready = cluster ? 'connect' : 'ready';
      // 'reconnecting': the connection failed, and waiting calls fail at once (with its error),
      // as they would on ioredis after its one retry.
      // 'error': a cluster whose first connection failed neither reconnects nor ends.
      const events = [ready, 'end', 'reconnecting', 'error'];
      for (const event of events) client.on(event, wake);
      return () => {
        for (const event of events) client.off(event, wake);
      };
    },

    zscore: reads.zscore,
    zadd: (key, score, member) =>
      commands.zAdd(key, {
        score: score === '+inf' ? Number.POSITIVE_INFINITY : score,
        value: member,
      }),
    zaddExpiring: (key, score, member, expireMs, trimBelow) =>
      Promise.all([
        commands.zAdd(key, { score, value: member }),
        commands.pExpire(key, expireMs),
        commands.zRemRangeByScore(key, '-inf', `(${trimBelow}`),
      ]),
    zscoreAndRemove: revocation.zscoreAndRemove,
    get: reads.get,
    set: reads.set,
    getdel: revocation.getdel,
    masters() {
      if (toMaster) return [rawScanTarget(toMaster)];
      if (!cluster) return [scanTarget(commands)];
      return (client.masters ?? []).map((master) =>
        scanTarget({
          scan: async (cursor, options) =>
            withDefaultReplies(await client.nodeClient!(master)).scan(cursor, options),
        }),
      );
    },
    // A cluster routes each key to its own master (a multi-key UNLINK would fail with CROSSSLOT).
    unlink: (keys) =>
      cluster ? Promise.all(keys.map((key) => commands.unlink(key))) : commands.unlink([...keys]),
    async zscan(key, cursor, count) {
      if (toMaster) {
        const [next, flat] = (await toMaster(['ZSCAN', key, cursor, 'COUNT', String(count)])) as [
          string,
          string[],
        ];
        return [String(next), zscanPairs(flat)];
      }
      const reply = await commands.zScan(key, cursor, { COUNT: count });
      return [
        String(reply.cursor),
        reply.members.map(({ value, score }) => [value, score] as const),
      ];
    },

    confirmer: (options) => createNodeRedisConfirmer(commands, watch.kind, options),
    // Only ever asked of a standalone client: `near` is refused on a node-redis cluster or
    // sentinel when options are read (resolve-options.ts).
    tracking: (options) =>
      sharedLink(client, (events) =>
        createNodeRedisLink(client as unknown as NodeRedisTrackedClient, events, options),
      ),

    async close(timeoutMs) {
      connection.stopConnecting?.();
      try {
        if (owned) await closeClient(client, timeoutMs);
      } finally {
        watch.stop();
      }
    },
  };
}

type RawSend = (args: string[]) => Promise<unknown>;

/**
 * How a command goes as given, its reply untransformed, where the read path uses that.
 *
 * - A standalone client: for speed. Each typed method (`zScore`, `get`) is two `async` functions
 *   deep (the method, then `_executeCommand`) and builds a parser object and a reply transform
 *   around the same `sendCommand`, which measured about a fifth of the throughput at 64 calls in
 *   flight. Nothing is lost: a borrowed client's `keyPrefix` is refused (check.ts), so keys go as
 *   given, and the store reads a score as a string (RESP2: `"inf"`) or a number (RESP3) alike.
 * - A sentinel: so that reads go to the master. Created with `replicaPoolSize`, a Sentinel client
 *   sends read-only commands to replicas, which may still hold a membership `remove()` has just
 *   revoked, and the option cannot be read back from the client to refuse it; a command sent as
 *   not read-only always goes to the master.
 * - A cluster: not used (its typed methods route by key; `useReplicas` is refused in check.ts).
 */
function rawSend(client: NodeRedisHandle, kind: NodeRedisWatch['kind']): RawSend | undefined {
  const sendCommand = client.sendCommand?.bind(client);
  if (sendCommand === undefined || kind === 'cluster') return undefined;
  return kind === 'sentinel' ? (args) => sendCommand(false, args) : sendCommand;
}

/** `SCAN` on a sentinel's master, its reply read from RESP as sent. */
function rawScanTarget(send: RawSend): ScanTarget {
  return {
    async scan(cursor, pattern, count) {
      const [next, keys] = (await send([
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        String(count),
      ])) as [string, string[]];
      return [String(next), keys];
    },
  };
}

/** The commands of the read-heavy path, as given where {@link rawSend} says so. */
function hotCommands(
  client: NodeRedisHandle,
  send: RawSend | undefined,
): Pick<RedisDriver, 'zscore' | 'get' | 'set'> {
  if (send === undefined) {
    return {
      zscore: (key, member) => client.zScore(key, member),
      get: (key) => client.get(key),
      set: (key, value, expireMs) =>
        expireMs === undefined
          ? client.set(key, value)
          : client.set(key, value, { expiration: { type: 'PX', value: expireMs } }),
    };
  }
  return {
    zscore: (key, member) => send(['ZSCORE', key, member]) as Promise<string | number | null>,
    get: (key) => send(['GET', key]) as Promise<string | null>,
    set: (key, value, expireMs) =>
      send(
        expireMs === undefined ? ['SET', key, value] : ['SET', key, value, 'PX', String(expireMs)],
      ),
  };
}

/** `close()` lets replies in flight arrive; a client that does not close in time is destroyed. */
async function closeClient(client: NodeRedisHandle, timeoutMs: number): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'late');
  });
  try {
    if ((await Promise.race([client.close(), late])) === 'late') client.destroy();
  } catch {
    client.destroy();
  } finally {
    clearTimeout(timer);
  }
}
