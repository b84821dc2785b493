/**
 * The links of confirmed revocations on ioredis (the confirmer is ../confirm/confirmer.ts): a
 * `duplicate()` of the client (standalone, Sentinel) or of a Cluster master's node connection,
 * without auto-pipelining, so that `WAIT` answers for this link's own writes.
 */
import type { Cluster, Redis } from 'ioredis';
import { createRevocationConfirmer } from '../confirm/confirmer.js';
import type {
  ClusterMasters,
  ConfirmerOptions,
  ConfirmLink,
  RevocationCommands,
  RevocationConfirmer,
} from '../confirm/index.js';
import { isCluster } from './client.js';

/**
 * The confirmer of an ioredis `Redis` or `Cluster` client. `commandsOf` gives the store's
 * revocation commands on a client (the main one, or a link).
 */
export function createIoredisConfirmer(
  client: Redis | Cluster,
  commandsOf: (on: Redis | Cluster) => RevocationCommands,
  options: ConfirmerOptions,
): RevocationConfirmer {
  const { commandTimeoutMs } = options;
  const cluster = isCluster(client);
  // A standalone database other than 0: ioredis goes on with database 0 when the SELECT it sends
  // on connect fails, and a revocation there would revoke nothing. So a link selects it once more
  // itself, awaited before its first command, and is never reconnected (a new link is opened,
  // and checked again, after a disconnect).
  const database = cluster ? 0 : ((client as Redis).options.db ?? 0);

  function link(from: Redis): ConfirmLink {
    const opened = from.duplicate({
      enableAutoPipelining: false,
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
      // A Cluster master that went away is not reconnected to: its slots moved, and the next
      // revocation opens a link to the new master. A standalone link follows its client's
      // policy, but for a database other than 0 (see above).
      ...(cluster || database !== 0 ? { retryStrategy: () => null } : {}),
    });
    // Failures reach the caller through the commands; the listener keeps ioredis from printing.
    opened.on('error', () => {});
    return {
      ready: database === 0 ? undefined : opened.select(database),
      commands: commandsOf(opened),
      info: async () => String(await opened.info('replication')),
      async confirm(marker, waitMs) {
        const touched = opened.multi().set(marker, '1').unlink(marker).exec();
        const waited = opened.wait(1, waitMs);
        const [results, acks] = await Promise.all([touched, waited]);
        // ioredis reports per-command failures inside the results instead of rejecting.
        for (const [error] of results ?? []) if (error) throw error;
        return Number(acks);
      },
      scan: (cursor, pattern, count) => opened.scan(cursor, 'MATCH', pattern, 'COUNT', count),
      unlink: (key) => opened.unlink(key),
      isReady: () => opened.status === 'ready',
      onEnd: (ended) => void opened.once('end', ended),
      quit: () => opened.quit(),
      destroy: () => opened.disconnect(),
    };
  }

  // Cluster: ioredis' slot table lists a slot's master first, then its replicas.
  const masters: ClusterMasters | undefined = cluster
    ? {
        masterOf(slot) {
          const nodes = client.slots[slot];
          if (nodes === undefined || nodes.length === 0) return undefined;
          return { address: nodes[0]!, replicaListed: nodes.length > 1 };
        },
        *slots() {
          for (const [slot, nodes] of client.slots.entries()) {
            if (nodes?.[0] !== undefined) yield [slot, nodes[0]] as const;
          }
        },
        refresh: () => client.refreshSlotsCache(),
      }
    : undefined;

  return createRevocationConfirmer(
    {
      cluster: masters,
      open(address) {
        if (!cluster) return link(client as Redis);
        const node = client
          .nodes('master')
          .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === address);
        if (node === undefined)
          throw new Error(`the Redis Cluster has no connection to ${address}`);
        return link(node);
      },
    },
    commandsOf(client),
    options,
  );
}
