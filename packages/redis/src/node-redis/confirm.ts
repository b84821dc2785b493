/**
 * The links of confirmed revocations on node-redis 6 (the confirmer is ../confirm/confirmer.ts):
 *
 * - a client: its `duplicate()`;
 * - a Cluster: a `duplicate()` of the node client of the master (`cluster.masters`,
 *   `cluster.nodeClient`), found by its address in the cluster's slot table;
 * - a Sentinel: a `duplicate()` of the Sentinel client, one master connection, which follows a
 *   failover as the caller's does, and a lease of it (`acquire()`), so that the revocation, the
 *   marker and `WAIT` go out on one connection in one round trip (without a lease each command
 *   waits for the one before to release the pool's connection).
 *
 * A link has no per-command timeout (the confirmer bounds every step, as the cache bounds owned
 * clients', see owned.ts), no offline queue, and is never reconnected: a link that ended is
 * replaced by a new one on the next revocation. Its database is the caller's (the duplicate's
 * options), selected while it connects: node-redis' `connect()` rejects when that `SELECT` fails,
 * so nothing is ever sent to database 0 instead. Its errors are named and stripped of credentials
 * by the store, as the main connection's.
 */
import { createRevocationConfirmer } from '../confirm/confirmer.js';
import {
  type ClusterMasters,
  type ConfirmerOptions,
  type ConfirmLink,
  ONE_MASTER,
  type RevocationConfirmer,
} from '../confirm/index.js';
import { firstReplyError, type NodeRedisRevoking, revocationCommands } from './multi.js';

/** What a link sends: the members of a node-redis client, or of a Sentinel's lease. */
interface LinkClient extends NodeRedisRevoking {
  info(section: string): Promise<unknown>;
  wait(replicas: number, timeoutMs: number): Promise<number>;
  scan(cursor: string, options: object): Promise<{ cursor: unknown; keys: string[] }>;
  unlink(key: string): Promise<unknown>;
}

/** What a link is opened from: a client, a Cluster's node client, or a Sentinel client. */
interface Duplicable extends LinkClient {
  readonly options?: { readonly socket?: object };
  duplicate(overrides: object): Connectable;
}

interface Connectable extends LinkClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: () => void): unknown;
  close(): Promise<unknown>;
  destroy(): unknown;
  /** Sentinel only. */
  acquire?(): Promise<LinkClient & { release(): unknown }>;
}

/** The members of a node-redis cluster the confirmer reads. */
interface ClusterClient {
  readonly slots: ReadonlyArray<
    | { readonly master: { readonly address: string }; readonly replicas?: readonly object[] }
    | undefined
  >;
  readonly masters: readonly { readonly address: string }[];
  nodeClient(master: object): Promise<Duplicable>;
}

/** A connection of a link once connected, and what it sends on (itself, or a Sentinel lease). */
interface Opened {
  readonly connection: Connectable;
  readonly on: LinkClient;
}

/**
 * The link of a connection being opened. The confirmer sends nothing before `ready` resolves;
 * closed before that, the connection is cut as soon as it exists.
 */
function createLink(opening: Promise<Opened>): ConfirmLink {
  let opened: Opened | undefined;
  let ended: (() => void) | undefined;
  let destroyed = false;
  const sender = (): LinkClient => {
    if (opened === undefined) throw new Error('the confirmation link is not connected');
    return opened.on;
  };
  const ready = opening.then((link) => {
    opened = link;
    // node-redis emits no 'end' for a connection that is not reconnected when it drops: only an
    // 'error', after which it is no longer open.
    const { connection } = link;
    connection.once('end', () => ended?.());
    connection.on('error', () => {
      setImmediate(() => {
        if (!connection.isOpen) ended?.();
      });
    });
    if (destroyed) connection.destroy();
  });
  return {
    ready,
    commands: revocationCommands({
      multi: (routing) => sender().multi(routing),
      getDel: (key) => sender().getDel(key),
    }),
    info: async () => String(await sender().info('replication')),
    async confirm(marker, waitMs) {
      const link = sender();
      const touched = link
        .multi()
        .set(marker, '1')
        .unlink(marker)
        .exec()
        .catch((error: unknown) => {
          throw firstReplyError(error);
        });
      const waited = link.wait(1, waitMs);
      const [, acks] = await Promise.all([touched, waited]);
      return Number(acks);
    },
    async scan(cursor, pattern, count) {
      const reply = await sender().scan(cursor, { MATCH: pattern, COUNT: count });
      return [String(reply.cursor), reply.keys];
    },
    unlink: (key) => sender().unlink(key),
    isReady: () => opened?.connection.isReady ?? false,
    onEnd(listener) {
      let called = false;
      ended = () => {
        if (called) return;
        called = true;
        listener();
      };
    },
    quit: async () => opened?.connection.close(),
    destroy() {
      destroyed = true;
      opened?.connection.destroy();
    },
  };
}

// No per-command timer and no offline queue (as owned clients, see owned.ts); a plain
// `commandOptions` also drops a borrowed client's type mapping, so replies are the defaults.
const LINK_OPTIONS = { commandOptions: { timeout: 0 }, disableOfflineQueue: true };

/**
 * Connects `connection`; on a failure (its SELECT refused, its server gone) it is cut, never
 * left retrying.
 */
async function connected(connection: Connectable): Promise<Connectable> {
  // Listening before connecting: node-redis throws an 'error' event nobody listens to. Failures
  // reach the caller through the commands.
  connection.on('error', () => {});
  try {
    await connection.connect();
    return connection;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/** A link to the server `from` is connected to (a client, or a Cluster's node client). */
async function duplicateOf(from: Duplicable): Promise<Opened> {
  const connection = await connected(
    from.duplicate({
      ...LINK_OPTIONS,
      socket: { ...from.options?.socket, reconnectStrategy: false },
    }),
  );
  return { connection, on: connection };
}

/** A link through a Sentinel: its own Sentinel client with one master connection, leased. */
async function sentinelLink(from: Duplicable): Promise<Opened> {
  const connection = await connected(
    from.duplicate({
      commandOptions: LINK_OPTIONS.commandOptions,
      masterPoolSize: 1,
      replicaPoolSize: 0,
    }),
  );
  try {
    return { connection, on: await connection.acquire!() };
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/**
 * The confirmer of a node-redis client, cluster or sentinel (`kind`, as watch.ts reads it).
 */
export function createNodeRedisConfirmer(
  client: object,
  kind: 'client' | 'cluster' | 'sentinel',
  options: ConfirmerOptions,
): RevocationConfirmer {
  const main = revocationCommands(client as NodeRedisRevoking);
  if (kind !== 'cluster') {
    const open = kind === 'sentinel' ? sentinelLink : duplicateOf;
    return createRevocationConfirmer(
      {
        cluster: undefined,
        open: (address) => {
          if (address !== ONE_MASTER) throw new Error(`no Redis master ${address}`);
          return createLink(open(client as Duplicable));
        },
      },
      main,
      options,
    );
  }
  const cluster = client as ClusterClient;
  const masters: ClusterMasters = {
    masterOf(slot) {
      const shard = cluster.slots[slot];
      if (shard === undefined) return undefined;
      // Replicas are listed only with `useReplicas`, which the cache refuses: the masters' own
      // INFO says whether they have one.
      return { address: shard.master.address, replicaListed: (shard.replicas?.length ?? 0) > 0 };
    },
    *slots() {
      for (const [slot, shard] of cluster.slots.entries()) {
        if (shard !== undefined) yield [slot, shard.master.address] as const;
      }
    },
  };
  return createRevocationConfirmer(
    {
      cluster: masters,
      open(address) {
        const master = cluster.masters.find((candidate) => candidate.address === address);
        if (master === undefined) throw new Error(`the Redis Cluster has no master ${address}`);
        // node-redis connects to a master when a command first needs it: the link waits for that.
        return createLink(cluster.nodeClient(master).then(duplicateOf));
      },
    },
    main,
    options,
  );
}
