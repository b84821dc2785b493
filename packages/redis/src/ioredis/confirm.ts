/**
 * Confirmed revocations: on a deployment with replicas, `remove`, `deleteMeta` and `clear`
 * resolve only once a replica has them, so that a failover cannot bring a revoked membership back
 * (a wrong `true`). Adds stay fire-and-forget: a lost add is a miss, never a wrong answer.
 *
 * How: each master gets a connection of its own (the *link*), used for revocations only. On it,
 * pipelined in one round trip:
 *
 *   1. the revocation itself (the same commands the store sends otherwise),
 *   2. `MULTI SET <prefix>c:<n> 1 UNLINK <prefix>c:<n> EXEC` on a marker key in the same slot,
 *   3. `WAIT 1 <ms>`.
 *
 * Why the revocation is sent on the link (option a) and not beside it: `WAIT` blocks the
 * connection it is sent on and counts the replicas that acknowledged the replication offset of
 * *that connection's* last write. Sent on a separate connection that wrote nothing, it answers at
 * once with every connected replica and confirms nothing; sent on the pipelined connection, it
 * would stall every call queued behind it. Revocations are rare, so a second connection per master
 * costs little.
 *
 * Why the marker: a write that changes nothing (ZREM of a member that is already gone — say a
 * retry of a revocation that was not confirmed, or one another process made) is not replicated and
 * does not move the connection's offset, so `WAIT` would confirm nothing, or answer for a
 * connection that was just reopened. The marker write always replicates; the replication stream is
 * ordered, so a replica that has it has everything the master did before it, whoever wrote it. The
 * marker never exists between commands (MULTI), lives under the cache's prefix (an ACL limited to
 * the prefix allows it) and is neither a membership nor a meta key (`clear()` never counts it).
 *
 * Not `WAITAOF` (option b): it needs Redis 7.2 and `appendonly yes` on the replicas, and it has
 * the same one-connection semantics. Not polling the replicas' offsets from `INFO replication`
 * (option c): replicas report their offset once a second unless a `WAIT` asks them, so a
 * confirmation would take up to a second, and `INFO` is an `@dangerous` command a restricted ACL
 * user often lacks.
 *
 * Which masters "have replicas" (`confirmRevocations: 'auto'`): one reporting `connected_slaves`
 * > 0 in `INFO replication` (asked on its link when the first revocation opens it, and again at
 * most every {@link REFRESH_MS} ms while it had none), or, on a Cluster, one whose slot lists a
 * replica in the client's slot table. Once a master was seen with a replica, its revocations are confirmed until the
 * cache closes: a replica that stopped answering is exactly when confirming matters.
 */
import type { Cluster, Redis } from 'ioredis';
import {
  type ConfirmerOptions,
  type RevocationCommands,
  type RevocationConfirmer,
  RevocationUnconfirmedError,
  waitTimeoutMs,
} from '../confirm.js';
import { createSlotMarkers, keySlot } from '../slot.js';
import { isCluster } from './client.js';

// The names client libraries give an error reply of Redis (ioredis; node-redis), as errors.ts.
const REPLY_ERRORS = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);
const isReplyError = (error: unknown) => error instanceof Error && REPLY_ERRORS.has(error.name);

/** How often a master that had no replica is asked again (on a revocation). */
export const REFRESH_MS = 5000;
const SCAN_COUNT = 1000;

/**
 * Bounds one step of the confirmer's own (the store's call is bounded by core as a whole; these
 * are the steps no caller waits for, or that must not outlive their share of it).
 */
function within<T>(sent: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([sent, late]).finally(() => clearTimeout(timer));
}

/**
 * The confirmer of an ioredis `Redis` or `Cluster` client. `commandsOf` gives the store's
 * revocation commands on a client (the main one, or a link).
 */
export function createRevocationConfirmer(
  client: Redis | Cluster,
  commandsOf: (on: Redis | Cluster) => RevocationCommands,
  options: ConfirmerOptions,
): RevocationConfirmer {
  const { mode, commandTimeoutMs, keyPrefix, keys } = options;
  const main = commandsOf(client);
  const fullWaitMs = waitTimeoutMs(commandTimeoutMs);
  const cluster = isCluster(client);
  const markers = createSlotMarkers(keyPrefix);
  const links = new Map<string, Redis>();
  // Masters seen with a replica (sticky, see the header).
  const replicated = new Set<string>();
  let closed = false;

  // A standalone database other than 0: ioredis goes on with database 0 when the SELECT it sends
  // on connect fails, and a revocation there would revoke nothing. So a link selects it once more
  // itself, awaited before its first revocation, and is never reconnected (a new link is opened,
  // and checked again, after a disconnect).
  const database = cluster ? 0 : ((client as Redis).options.db ?? 0);
  const selecting = new WeakMap<Redis, Promise<unknown>>();

  function open(address: string, from: Redis): Redis {
    let link = links.get(address);
    if (link !== undefined) return link;
    link = from.duplicate({
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
    const opened = link;
    links.set(address, opened);
    if (database !== 0) {
      const selected = within(opened.select(database), commandTimeoutMs, `SELECT ${database}`);
      // A link whose database cannot be selected is dropped: the next revocation tries anew.
      selected.catch(() => opened.disconnect());
      selecting.set(opened, selected);
    }
    // Failures reach the caller through the commands; the listener keeps ioredis from printing.
    opened.on('error', () => {});
    opened.once('end', () => {
      if (links.get(address) === opened) links.delete(address);
    });
    return opened;
  }

  // Whether a master has replicas: asked on its link when the first revocation opens it, and
  // again at most every REFRESH_MS while it had none.
  const checkedAt = new Map<string, number>();
  const checking = new Map<string, Promise<void>>();

  function check(address: string, link: Redis): Promise<void> {
    let pending = checking.get(address);
    if (pending === undefined) {
      pending = within(link.info('replication'), commandTimeoutMs, 'INFO replication')
        .then(
          (info) => {
            const count = /connected_slaves:(\d+)/.exec(String(info));
            if (count !== null && Number(count[1]) > 0) replicated.add(address);
          },
          (error: unknown) => {
            // Refused (an ACL without INFO): asked again later; until then not confirmed.
            if (isReplyError(error)) return;
            // Not reachable, or no answer in time: the revocation could not be made either, and
            // must not wait a second timeout on the main connection.
            throw error;
          },
        )
        .finally(() => {
          checkedAt.set(address, Date.now());
          checking.delete(address);
        });
      checking.set(address, pending);
    }
    return pending;
  }

  /** The link a revocation on `address` must be confirmed on, or `undefined` when none. */
  function target(
    address: string,
    link: () => Redis,
  ): Redis | undefined | Promise<Redis | undefined> {
    if (mode === true || replicated.has(address)) return link();
    const last = checkedAt.get(address);
    if (last === undefined) {
      return check(address, link()).then(() => (replicated.has(address) ? link() : undefined));
    }
    // In the background: a failure shows on the next revocation that needs the link.
    if (Date.now() - last > REFRESH_MS) check(address, link()).catch(() => {});
    return undefined;
  }

  // Standalone and Sentinel: one master, whichever the client is connected to.
  const STANDALONE = 'master';
  const standaloneLink = () => open(STANDALONE, client as Redis);

  // Cluster: the master of the key's slot, per the client's slot table. CLUSTER SLOTS lists a
  // replica only once the master has heard of its replication offset (not right after a start),
  // so the table only adds to what the master itself reports.
  function masterOf(slot: number): string {
    const nodes = (client as Cluster).slots[slot];
    if (nodes === undefined || nodes.length === 0) {
      throw new Error(`the Redis Cluster knows no master for slot ${slot}`);
    }
    if (nodes.length > 1) replicated.add(nodes[0]!);
    return nodes[0]!;
  }

  function clusterLink(address: string): Redis {
    const existing = links.get(address);
    if (existing !== undefined) return existing;
    const node = (client as Cluster)
      .nodes('master')
      .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === address);
    if (node === undefined) throw new Error(`the Redis Cluster has no connection to ${address}`);
    return open(address, node);
  }

  function targetOf(slot: number): Redis | undefined | Promise<Redis | undefined> {
    if (!cluster) return target(STANDALONE, standaloneLink);
    const address = masterOf(slot);
    return target(address, () => clusterLink(address));
  }

  function markerFor(slot: number): string {
    const marker = markers(slot);
    if (marker === undefined) throw new Error(`no marker key of this prefix lands in slot ${slot}`);
    return marker;
  }

  /**
   * The marker write and `WAIT`, sent right after a revocation on the same link. `WAIT` gets what
   * is left of its share of `commandTimeoutMs` since the call began (opening the link, asking
   * whether the master has replicas, selecting a database came first), so that its answer, not
   * the call's deadline, is what a caller sees.
   */
  function confirm(link: Redis, marker: string, what: string, startedAt: number): Promise<void> {
    const waitMs = Math.max(1, fullWaitMs - Math.ceil(performance.now() - startedAt));
    const touched = link.multi().set(marker, '1').unlink(marker).exec();
    const waited = link.wait(1, waitMs);
    return Promise.all([touched, waited]).then(([results, acks]) => {
      for (const [error] of results ?? []) if (error) throw error;
      if (Number(acks) < 1) {
        throw new RevocationUnconfirmedError(
          `${what}: not confirmed by a replica within ${waitMs} ms (WAIT 1 answered ${acks}); ` +
            'it is done on the master but may be lost if the master fails now: retry it',
        );
      }
    });
  }

  function onLink<T>(
    link: Redis,
    slot: number,
    what: string,
    send: (on: RevocationCommands) => Promise<T>,
    startedAt: number,
  ): Promise<T> {
    const marker = cluster ? markerFor(slot) : `${keyPrefix}c:0`;
    const selected = selecting.get(link);
    if (selected !== undefined) {
      return selected.then(() => {
        selecting.delete(link);
        return onLink(link, slot, what, send, startedAt);
      });
    }
    // Sent in this order on one connection, in the same tick: the revocation, then the marker
    // and WAIT, which confirm it.
    const result = send(commandsOf(link));
    const confirmed = confirm(link, marker, what, startedAt);
    return Promise.all([result, confirmed]).then(
      ([value]) => value,
      (error: unknown) => {
        // The slot moved (a failover): let the Cluster client learn the new master now rather
        // than on its next own MOVED, so the retry goes to the right link.
        if (cluster && error instanceof Error && error.message.startsWith('MOVED')) {
          (client as Cluster).refreshSlotsCache();
        }
        throw error;
      },
    );
  }

  async function clearOn(link: Redis, signal: AbortSignal | undefined): Promise<void> {
    let cursor = '0';
    do {
      signal?.throwIfAborted();
      const [next, found] = await within(
        link.scan(cursor, 'MATCH', keys.scanPattern, 'COUNT', SCAN_COUNT),
        commandTimeoutMs,
        `SCAN ${keys.scanPattern}`,
      );
      cursor = next;
      const ours = found.filter((key) => keys.owns(key));
      signal?.throwIfAborted();
      // One key per UNLINK: keys of one node may be in different slots (CROSSSLOT otherwise).
      if (ours.length > 0) {
        await within(
          Promise.all(ours.map((key) => link.unlink(key))),
          commandTimeoutMs,
          `UNLINK ${ours.length} keys`,
        );
      }
    } while (cursor !== '0');
  }

  return {
    revoke(key, command, send) {
      if (mode === false || closed) return send(main);
      const startedAt = performance.now();
      try {
        const slot = cluster ? keySlot(key) : 0;
        const link = targetOf(slot);
        if (link === undefined) return send(main);
        const what = `${command} ${key}`;
        if (link instanceof Promise) {
          return link.then((ready) =>
            ready === undefined ? send(main) : onLink(ready, slot, what, send, startedAt),
          );
        }
        return onLink(link, slot, what, send, startedAt);
      } catch (error) {
        // No master known for the slot, or no connection to it: a rejection like any other.
        return Promise.reject(error);
      }
    },

    async clear(unconfirmed, signal) {
      if (mode === false || closed) return unconfirmed();
      // Per master: a slot of it (to find its link) and the marker that lands on it, if any
      // (with a hash-tagged prefix, none on a master without the tag's slot: nothing of the
      // cache lives there to confirm).
      const masters = new Map<string, { slot: number; marker: string | undefined }>();
      if (cluster) {
        (client as Cluster).slots.forEach((nodes, slot) => {
          const master = nodes?.[0];
          if (master === undefined) return;
          const known = masters.get(master);
          if (known === undefined) masters.set(master, { slot, marker: markers(slot) });
          else if (known.marker === undefined) known.marker = markers(slot);
        });
      } else {
        masters.set(STANDALONE, { slot: 0, marker: `${keyPrefix}c:0` });
      }
      const entries = [...masters];
      const targets = await Promise.all(entries.map(([, { slot }]) => targetOf(slot)));
      if (targets.every((link) => link === undefined)) return unconfirmed();
      await Promise.all(
        entries.map(async ([master, { marker }], index) => {
          const link = cluster ? clusterLink(master) : standaloneLink();
          await selecting.get(link);
          await clearOn(link, signal);
          if (targets[index] === undefined || marker === undefined) return;
          // Its own share of the timeout: the scan before it may have taken long.
          const confirmed = confirm(link, marker, `clear on ${master}`, performance.now());
          await within(confirmed, commandTimeoutMs, 'WAIT 1');
        }),
      );
    },

    async close() {
      closed = true;
      const open = [...links.values()];
      links.clear();
      await Promise.all(
        open.map(async (link) => {
          try {
            if (link.status === 'ready') await within(link.quit(), commandTimeoutMs, 'QUIT');
            else link.disconnect();
          } catch {
            link.disconnect();
          }
        }),
      );
    },
  };
}
