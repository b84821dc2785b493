import type { RedisDriver, ScanTarget } from './driver.js';
import type { KeyLayout } from './keys.js';

// Keys per SCAN step: large enough to be quick, small enough that no single command blocks
// Redis for long (SCAN and UNLINK are O(step), UNLINK frees memory in the background).
const SCAN_COUNT = 1000;

/** How one `clear()` runs. */
export interface ClearRun {
  readonly signal: AbortSignal | undefined;
  /** `performance.now()` after which no further step is sent: core has answered the caller. */
  readonly deadline: number;
  /** Names a step's failure (`SCAN <pattern>`, `UNLINK <n> keys`). */
  readonly mapError: (error: unknown, command: string, key: string) => unknown;
}

/**
 * Deletes every key of this cache — and only those — with SCAN + UNLINK, on every master of a
 * Cluster (a SCAN on one node sees only that node's keys). Keys written while the scan runs may
 * survive, as with any non-blocking clear.
 */
export async function clearKeys(
  driver: RedisDriver,
  keys: KeyLayout,
  run: ClearRun,
): Promise<void> {
  const masters = driver.masters();
  if (masters.length === 0) throw new Error('the Redis Cluster has no reachable master');
  await Promise.all(masters.map((node) => clearNode(driver, node, keys, run)));
}

async function clearNode(
  driver: RedisDriver,
  node: ScanTarget,
  keys: KeyLayout,
  { signal, deadline, mapError }: ClearRun,
): Promise<void> {
  let cursor = '0';
  do {
    stopIfGivenUp(signal, deadline);
    const [next, found] = await node
      .scan(cursor, keys.scanPattern, SCAN_COUNT)
      .catch((error: unknown) => Promise.reject(mapError(error, 'SCAN', keys.scanPattern)));
    cursor = next;
    const ours = found.filter((key) => keys.owns(key));
    // A SCAN answered late (it waited in a client's offline queue while Redis was away) must not
    // lead to an UNLINK now: keys written since would be deleted by a clear already failed.
    stopIfGivenUp(signal, deadline);
    if (ours.length > 0) {
      await driver
        .unlink(ours)
        .catch((error: unknown) =>
          Promise.reject(mapError(error, 'UNLINK', `${ours.length} keys`)),
        );
    }
  } while (cursor !== '0');
}

/**
 * An aborted clear stops between steps: its caller has moved on, and keys it writes next must not
 * be deleted by a clear it already gave up on. So does one whose caller was told it timed out.
 */
function stopIfGivenUp(signal: AbortSignal | undefined, deadline: number): void {
  signal?.throwIfAborted();
  if (performance.now() > deadline) throw new Error('clear() ran out of time between SCAN steps');
}
