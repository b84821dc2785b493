/**
 * The near cache's tracking link on an ioredis `Cluster`: one standalone link (ioredis-link.ts)
 * per master connection of the Cluster's pool, each with its own redirect subscriber duplicated
 * from that node, and fences that also read the node's view of the topology.
 *
 * Why the bound of near-store.ts still holds. The link is `ready` only while the Cluster is
 * ready, the masters of its pool are exactly the connections tracked, and every one of them has
 * tracking confirmed; a fence completes only when every master's fence does — `CLIENT
 * TRACKINGINFO`, `CLUSTER INFO` and `CLUSTER SLOTS` on the node's connection D and `PING` on its
 * subscriber S, all sent after the fence started — and the node still says `cluster_state:ok`
 * and gives the same slot → master map as when its tracking was confirmed. An entry is served
 * only while the last such fence of *all* masters started less than `maxStalenessMs` ago: which
 * node ran a read cannot be known from outside ioredis' routing (it follows ASK to another node
 * without telling), so no entry is tied to one master.
 *
 * Take a revocation W of key k acknowledged at t_a, and an entry for k read by R before W ran.
 * R was sent while the link was ready and its answer kept only if the link was still ready and
 * had not been reset when it arrived, so R ran on a pool master N (with `scaleReads: 'master'`,
 * enforced by the options, ioredis sends reads to pool masters only; a node that joins the pool,
 * leaves it or changes role in it — `+node`, `-node`, or a silent role change on MOVED — makes the
 * pool differ from the tracked set, so `ready` is false and the link resets) whose tracking was
 * confirmed, and N served k's slot in its own view then (else it answers MOVED, or ASK to
 * another node which also runs reads only when it is one of ours). Two cases:
 * - W ran on N. The standalone proof applies to N's pair of connections: an invalidation was
 *   queued on S before a fence of N sent after t_a completes.
 * - W ran on another node M. Then k left N after R: by `MIGRATE`, which deletes k on N, an
 *   invalidation as above; or because M took over N's slots (failover, `TAKEOVER`, resharding),
 *   which changes N's view of the slot map as soon as N learns of it. A fence of N sent after
 *   that fails and resets the link (entries flushed, fills in flight not kept). Until N learns,
 *   N still answers reads of k itself — as it does to every client: the limit Redis Cluster has
 *   without a near cache — unless it is cut off from the majority for `cluster-node-timeout`,
 *   when it reports `cluster_state:fail` and the fence fails.
 * So the entry is not served later than `maxStalenessMs` after both W resolved and every node
 * that served k's slot before knows it no longer does (see the README, "Near cache").
 *
 * Besides, the link resets (every entry flushed) when the Cluster's connection closes or
 * reconnects, when a refresh of ioredis' slot cache changes a slot's master, and whenever a
 * node's own link resets (its connection or subscriber closed or reconnected — ioredis may also
 * replace a node's connection, which shows as `-node`/`+node` — or its tracking or topology
 * check failed).
 */
import type { Cluster, Redis } from 'ioredis';
import { keySlot } from '../slot.js';
import { createIoredisLink, type IoredisLinkOptions } from './ioredis-link.js';
import type { TrackingEvents, TrackingLink } from './link.js';

// How many probe key candidates are tried for one node: with n masters one in n lands on it.
const PROBE_CANDIDATES = 4096;

/** Creates the tracking link of every master of `cluster`, fenced together. */
export function createIoredisClusterLink(
  cluster: Cluster,
  events: TrackingEvents,
  options: IoredisLinkOptions,
): TrackingLink {
  const links = new Map<Redis, TrackingLink>();
  let closed = false;
  let generation = 0;
  let slotMasters = readSlotMasters(cluster);

  function reset(reason: string): void {
    generation += 1;
    events.reset(reason);
  }

  /** A probe key in a slot `nodeKey` masters, by ioredis' map (see IoredisLinkOptions). */
  function probeKey(nodeKey: string): string | undefined {
    const nonce = Math.random().toString(36).slice(2);
    for (let candidate = 0; candidate < PROBE_CANDIDATES; candidate += 1) {
      const key = `${options.probePrefix}${nonce}:${candidate}`;
      if (cluster.slots[keySlot(key)]?.[0] === nodeKey) return key;
    }
    return undefined;
  }

  function open(node: Redis): TrackingLink {
    const nodeKey = `${node.options.host}:${node.options.port}`;
    const link = createIoredisLink(
      node,
      {
        invalidate: (keys) => events.invalidate(keys),
        reset: (reason) => {
          if (!closed) reset(`${nodeKey}: ${reason}`);
        },
      },
      {
        ...options,
        probeKey: () => probeKey(nodeKey),
        view: nodeView,
        // ioredis opens node connections that never reconnect (it replaces them instead); the
        // subscriber, ours, does, and its link sets tracking up again when it is back.
        subscriberOptions: {
          readOnly: false,
          retryStrategy: (times: number) => Math.min(times * 100, 2000),
        },
      },
    );
    // Pool connections connect on their first command; the link needs this one up.
    if (node.status === 'wait') node.connect().catch(() => {});
    return link;
  }

  /** Makes the tracked connections the pool's masters; any change resets. */
  function sync(reason: string): boolean {
    if (closed) return false;
    const masters = cluster.nodes('master');
    let changed = false;
    for (const [node, link] of links) {
      if (masters.includes(node)) continue;
      links.delete(node);
      void link.close();
      changed = true;
    }
    for (const node of masters) {
      if (links.has(node)) continue;
      links.set(node, open(node));
      changed = true;
    }
    if (changed) reset(reason);
    return !changed;
  }

  /** Whether the pool's masters are still the tracked connections (no event says so). */
  function consistent(): boolean {
    const masters = cluster.nodes('master');
    if (masters.length !== links.size) return sync('the masters of the pool changed');
    for (const node of masters) {
      if (!links.has(node)) return sync('the masters of the pool changed');
    }
    return true;
  }

  const onNode = () => sync('the Cluster changed its node connections');
  const onDown = () => reset('the Cluster connection closed');
  const listeners: ReadonlyArray<readonly [string, () => void]> = [
    ['+node', onNode],
    ['-node', onNode],
    ['close', onDown],
    ['reconnecting', onDown],
    ['ready', () => sync('the Cluster is ready')],
    [
      'refresh',
      () => {
        const now = readSlotMasters(cluster);
        if (now === slotMasters) return;
        slotMasters = now;
        sync('the slot map changed');
        reset('the slot map changed');
      },
    ],
  ];
  for (const [event, listener] of listeners) cluster.on(event, listener);
  if (cluster.status === 'ready') sync('tracking starts');

  const link: TrackingLink = {
    get ready() {
      if (closed || cluster.status !== 'ready' || links.size === 0 || !consistent()) return false;
      for (const nodeLink of links.values()) if (!nodeLink.ready) return false;
      return true;
    },

    async fence() {
      if (!link.ready) return false;
      const at = generation;
      const results = await Promise.all([...links.values()].map((nodeLink) => nodeLink.fence()));
      return at === generation && results.every(Boolean) && link.ready;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const [event, listener] of listeners) cluster.off(event, listener);
      events.reset('closed');
      const closing = [...links.values()].map((nodeLink) => nodeLink.close());
      links.clear();
      await Promise.all(closing);
    },
  };
  return link;
}

/** ioredis' slot → master map, compactly (it is compared on every refresh, every 5 s by default). */
function readSlotMasters(cluster: Cluster): string {
  let out = '';
  let previous: string | undefined;
  for (let slot = 0; slot < 16384; slot += 1) {
    const master = cluster.slots[slot]?.[0] ?? '';
    if (master === previous) continue;
    out += `${slot}=${master};`;
    previous = master;
  }
  return out;
}

/**
 * A node's view of the Cluster: refused unless `cluster_state:ok`, else its slot → master-id map.
 * The replicas are left out: they hold no tracking of ours.
 */
async function nodeView(node: Redis): Promise<string> {
  const [info, slots] = await Promise.all([
    node.call('CLUSTER', 'INFO'),
    node.call('CLUSTER', 'SLOTS'),
  ]);
  if (!String(info).includes('cluster_state:ok')) throw new Error('cluster_state is not ok');
  if (!Array.isArray(slots)) throw new Error('CLUSTER SLOTS gave no array');
  const ranges = slots.map((range: unknown) => {
    const [start, end, master] = range as [unknown, unknown, unknown[] | undefined];
    return `${String(start)}-${String(end)}=${String(master?.[2])}`;
  });
  return ranges.sort().join(';');
}
