/**
 * Confirmed revocations: on a deployment with replicas, `remove`, `deleteMeta` and `clear`
 * resolve only once a replica has them, so that a failover cannot bring a revoked membership back
 * (a wrong `true`). Adds stay fire-and-forget: a lost add is a miss, never a wrong answer.
 *
 * How: each master gets a connection of its own (the *link*, opened by the client library's
 * translation: ioredis/confirm.ts, node-redis/confirm.ts), used for revocations only. On it, sent
 * at once (one round trip):
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
 * replica in the client's slot table (ioredis lists them; node-redis only with `useReplicas`,
 * which the cache refuses). Once a master was seen with a replica, its revocations are confirmed
 * until the cache closes: a replica that stopped answering is exactly when confirming matters.
 */
import { bounded } from '../bounded.js';
import { isReplyError } from '../errors.js';
import { createSlotMarkers, keySlot } from '../slot.js';
import {
  type ConfirmerOptions,
  type ConfirmLink,
  type ConfirmLinks,
  ONE_MASTER,
  type RevocationCommands,
  type RevocationConfirmer,
  RevocationUnconfirmedError,
  waitTimeoutMs,
} from './index.js';

/** How often a master that had no replica is asked again (on a revocation). */
export const REFRESH_MS = 5000;
const SCAN_COUNT = 1000;

/**
 * Bounds one step of the confirmer's own (the store's call is bounded by core as a whole; these
 * are the steps no caller waits for, or that must not outlive their share of it).
 */
function within<T>(sent: Promise<T>, ms: number, what: string): Promise<T> {
  return bounded(sent, ms, `${what}: no answer from Redis within ${ms} ms`);
}

/**
 * The confirmer over a client library's links. `main` gives the store's revocation commands on the
 * main connection (for revocations that need no confirmation).
 */
export function createRevocationConfirmer(
  links: ConfirmLinks,
  main: RevocationCommands,
  options: ConfirmerOptions,
): RevocationConfirmer {
  const { mode, commandTimeoutMs, keyPrefix, keys } = options;
  const fullWaitMs = waitTimeoutMs(commandTimeoutMs);
  const cluster = links.cluster;
  const markers = createSlotMarkers(keyPrefix);
  const open = new Map<string, ConfirmLink>();
  // Links not yet ready (connecting, selecting their database): nothing is sent on them before.
  const pending = new WeakMap<ConfirmLink, Promise<unknown>>();
  // Masters seen with a replica (sticky, see the header).
  const replicated = new Set<string>();
  let closed = false;

  /** The link to `address`, opened on first use and again after it ended. */
  function linkTo(address: string): ConfirmLink {
    const existing = open.get(address);
    if (existing !== undefined) return existing;
    const link = links.open(address);
    open.set(address, link);
    const drop = () => {
      if (open.get(address) === link) open.delete(address);
    };
    link.onEnd(drop);
    if (link.ready !== undefined) {
      const ready = within(link.ready, commandTimeoutMs, `opening a link to ${address}`);
      // A link that cannot be used (its database cannot be selected, its master is gone) is
      // dropped: the next revocation tries anew.
      ready.then(
        () => pending.delete(link),
        () => {
          drop();
          link.destroy();
        },
      );
      pending.set(link, ready);
    }
    return link;
  }

  /** Runs `use` once `link` takes commands: at once when it does already. */
  function whenReady<T>(link: ConfirmLink, use: () => Promise<T>): Promise<T> {
    const ready = pending.get(link);
    return ready === undefined ? use() : ready.then(use);
  }

  // Whether a master has replicas: asked on its link when the first revocation opens it, and
  // again at most every REFRESH_MS while it had none.
  const checkedAt = new Map<string, number>();
  const checking = new Map<string, Promise<void>>();

  function check(address: string, link: ConfirmLink): Promise<void> {
    let asked = checking.get(address);
    if (asked === undefined) {
      asked = within(
        whenReady(link, () => link.info()),
        commandTimeoutMs,
        'INFO replication',
      )
        .then(
          (info) => {
            const count = /connected_slaves:(\d+)/.exec(info);
            if (count !== null && Number(count[1]) > 0) replicated.add(address);
          },
          (error: unknown) => {
            // Refused (an ACL without INFO): asked again later; until then not confirmed.
            if (error instanceof Error && isReplyError(error)) return;
            // Not reachable, or no answer in time: the revocation could not be made either, and
            // must not wait a second timeout on the main connection.
            throw error;
          },
        )
        .finally(() => {
          checkedAt.set(address, Date.now());
          checking.delete(address);
        });
      checking.set(address, asked);
    }
    return asked;
  }

  /** The link a revocation on `address` must be confirmed on, or `undefined` when none. */
  function target(address: string): ConfirmLink | undefined | Promise<ConfirmLink | undefined> {
    if (mode === true || replicated.has(address)) return linkTo(address);
    const last = checkedAt.get(address);
    if (last === undefined) {
      return check(address, linkTo(address)).then(() =>
        replicated.has(address) ? linkTo(address) : undefined,
      );
    }
    // In the background: a failure shows on the next revocation that needs the link.
    if (Date.now() - last > REFRESH_MS) check(address, linkTo(address)).catch(() => {});
    return undefined;
  }

  // Cluster: the master of the key's slot, per the client's slot table. CLUSTER SLOTS lists a
  // replica only once the master has heard of its replication offset (not right after a start),
  // and a client may not list replicas at all, so the table only adds to what the master itself
  // reports.
  function masterOf(slot: number): string {
    if (cluster === undefined) return ONE_MASTER;
    const master = cluster.masterOf(slot);
    if (master === undefined) throw new Error(`the Redis Cluster knows no master for slot ${slot}`);
    if (master.replicaListed) replicated.add(master.address);
    return master.address;
  }

  function markerFor(slot: number): string {
    if (cluster === undefined) return `${keyPrefix}c:0`;
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
  async function confirm(
    link: ConfirmLink,
    marker: string,
    what: string,
    startedAt: number,
  ): Promise<void> {
    const waitMs = Math.max(1, fullWaitMs - Math.ceil(performance.now() - startedAt));
    const acks = await link.confirm(marker, waitMs);
    if (acks < 1) {
      throw new RevocationUnconfirmedError(
        `${what}: not confirmed by a replica within ${waitMs} ms (WAIT 1 answered ${acks}); ` +
          'it is done on the master but may be lost if the master fails now: retry it',
      );
    }
  }

  function onLink<T>(
    link: ConfirmLink,
    slot: number,
    what: string,
    send: (on: RevocationCommands) => Promise<T>,
    startedAt: number,
  ): Promise<T> {
    const marker = markerFor(slot);
    return whenReady(link, () => {
      // Sent in this order on one connection, in the same tick: the revocation, then the marker
      // and WAIT, which confirm it.
      const result = send(link.commands);
      const confirmed = confirm(link, marker, what, startedAt);
      return Promise.all([result, confirmed]).then(
        ([value]) => value,
        (error: unknown) => {
          // The slot moved (a failover): let the Cluster client learn the new master now rather
          // than on its next own MOVED, so the retry goes to the right link.
          if (error instanceof Error && error.message.startsWith('MOVED')) cluster?.refresh?.();
          throw error;
        },
      );
    });
  }

  async function clearOn(link: ConfirmLink, signal: AbortSignal | undefined): Promise<void> {
    let cursor = '0';
    do {
      signal?.throwIfAborted();
      const [next, found] = await within(
        link.scan(cursor, keys.scanPattern, SCAN_COUNT),
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
        const slot = cluster === undefined ? 0 : keySlot(key);
        const link = target(masterOf(slot));
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
      // Per master: a slot of it (asked of the slot table, which may list its replica) and the
      // marker that lands on it, if any (with a hash-tagged prefix, none on a master without the
      // tag's slot: nothing of the cache lives there to confirm).
      const masters = new Map<string, { slot: number; marker: string | undefined }>();
      if (cluster !== undefined) {
        for (const [slot, master] of cluster.slots()) {
          const known = masters.get(master);
          if (known === undefined) masters.set(master, { slot, marker: markers(slot) });
          else if (known.marker === undefined) known.marker = markers(slot);
        }
      } else {
        masters.set(ONE_MASTER, { slot: 0, marker: `${keyPrefix}c:0` });
      }
      const entries = [...masters];
      const targets = await Promise.all(entries.map(([, { slot }]) => target(masterOf(slot))));
      if (targets.every((link) => link === undefined)) return unconfirmed();
      await Promise.all(
        entries.map(async ([master, { marker }], index) => {
          const link = linkTo(master);
          await pending.get(link);
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
      const opened = [...open.values()];
      open.clear();
      await Promise.all(
        opened.map(async (link) => {
          try {
            if (link.isReady()) await within(link.quit(), commandTimeoutMs, 'QUIT');
            else link.destroy();
          } catch {
            link.destroy();
          }
        }),
      );
    },
  };
}
