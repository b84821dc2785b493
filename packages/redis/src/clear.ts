import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './client.js';
import type { Deadlines } from './deadline.js';
import type { KeyLayout } from './keys.js';

// Keys per SCAN step: large enough to be quick, small enough that no single command blocks
// Redis for long (SCAN and UNLINK are O(step), UNLINK frees memory in the background).
const SCAN_COUNT = 1000;

/**
 * Deletes every key of this cache — and only those — with SCAN + UNLINK, on every master of a
 * Cluster (a SCAN on one node sees only that node's keys). Keys written while the scan runs may
 * survive, as with any non-blocking clear.
 */
export async function clearKeys(
  client: Redis | Cluster,
  keys: KeyLayout,
  deadlines: Deadlines,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!isCluster(client)) {
    await clearNode(client, keys, deadlines, signal, (batch) => client.unlink(...batch));
    return;
  }
  await waitForReady(client, deadlines);
  const masters = client.nodes('master');
  if (masters.length === 0) throw new Error('the Redis Cluster has no reachable master');
  // UNLINK goes through the Cluster client, which routes each key to its slot's master (a
  // multi-key UNLINK on one node would fail with CROSSSLOT).
  const unlink = (batch: string[]) => Promise.all(batch.map((key) => client.unlink(key)));
  await Promise.all(masters.map((node) => clearNode(node, keys, deadlines, signal, unlink)));
}

async function clearNode(
  node: Redis,
  keys: KeyLayout,
  deadlines: Deadlines,
  signal: AbortSignal | undefined,
  unlink: (batch: string[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0';
  do {
    // An aborted clear stops between steps: its caller has moved on, and keys it writes next
    // must not be deleted by a clear it already gave up on.
    signal?.throwIfAborted();
    const [next, found] = await deadlines.guard(
      node.scan(cursor, 'MATCH', keys.scanPattern, 'COUNT', SCAN_COUNT),
      'SCAN',
      keys.scanPattern,
    );
    cursor = next;
    const ours = found.filter((key) => keys.owns(key));
    signal?.throwIfAborted();
    if (ours.length > 0) await deadlines.guard(unlink(ours), 'UNLINK', `${ours.length} keys`);
  } while (cursor !== '0');
}

export async function waitForReady(cluster: Cluster, deadlines: Deadlines): Promise<void> {
  if (cluster.status === 'ready') return;
  let onReady: (() => void) | undefined;
  try {
    await deadlines.guard(
      new Promise<void>((resolve) => {
        onReady = resolve;
        cluster.once('ready', resolve);
      }),
      'the Cluster',
      'readiness check',
    );
  } finally {
    cluster.off('ready', onReady!);
  }
}
