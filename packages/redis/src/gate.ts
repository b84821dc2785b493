import type { RedisDriver } from './driver.js';

/**
 * Where a call waits while the connection is not ready, instead of in the client library's
 * offline queue — where a command is sent whenever the connection comes up, even long after its
 * caller was answered (aborted, or timed out by core's deadline): a late `add` could undo a later
 * `remove`.
 *
 * Which calls wait: every call on a client whose offline queue is not bounded (an ioredis Cluster's
 * has no timeout at all; node-redis as the cache configures it has none), every
 * call on a database other than 0 (until its `SELECT` is known to have worked), and writes with a
 * signal (which check it again once the connection is ready and send nothing if it was aborted:
 * an aborted call that had not reached the backend has changed nothing). Others go straight to
 * the client, which queues them bounded by its own settings.
 *
 * Core's deadline bounds the whole call, the wait included; a call whose time ran out while it
 * waited is never sent. One set of client listeners serves every waiting call, and one timer
 * drops calls whose time is up, so nothing accumulates however long Redis stays away. Never on
 * the hot path (a ready client).
 */
export interface ReadinessGate {
  /**
   * For a call arriving while the client is not ready: throws when it is down (waiting will not
   * help), else says whether the call must wait in {@link wait}.
   */
  holds(signal: AbortSignal | undefined): boolean;
  /** Resolves once the call may be sent; rejects when it must not be (aborted, down, too late). */
  wait(command: string, key: string, signal: AbortSignal | undefined): Promise<void>;
}

interface Waiter {
  /** `performance.now()` when the call started waiting. */
  readonly since: number;
  /** Lets the call go on (or fail), after a wake or when its time is up. */
  readonly settle: (expired: boolean) => void;
}

export function createReadinessGate(driver: RedisDriver, timeoutMs: number): ReadinessGate {
  const waiting = new Set<Waiter>();
  let unwatch: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  function wake(): void {
    const woken = [...waiting];
    stop();
    const now = performance.now();
    for (const waiter of woken) waiter.settle(now - waiter.since >= timeoutMs);
  }

  function stop(): void {
    waiting.clear();
    unwatch?.();
    unwatch = undefined;
    clearTimeout(timer);
    timer = undefined;
  }

  // Waiters are in the order they started: the first is the next whose time runs out.
  function expireDue(): void {
    timer = undefined;
    const now = performance.now();
    for (const waiter of waiting) {
      if (now - waiter.since < timeoutMs) break;
      waiting.delete(waiter);
      waiter.settle(true);
    }
    if (waiting.size === 0) stop();
    else arm(now);
  }

  function arm(now: number): void {
    const first = waiting.values().next().value as Waiter;
    timer = setTimeout(expireDue, Math.max(0, first.since + timeoutMs - now));
    timer.unref();
  }

  return {
    holds(signal) {
      const failure = driver.failure();
      if (failure !== undefined) throw failure;
      return driver.waitsForReady || driver.selects || signal !== undefined;
    },

    wait(command, key, signal) {
      return new Promise<void>((resolve, reject) => {
        const since = performance.now();
        const settle = (expired: boolean) => {
          if (signal?.aborted) return reject(signal.reason);
          if (expired) {
            const last = driver.naming.lastError();
            return reject(
              new Error(
                `Redis was not ready for ${command} ${key} within ${timeoutMs} ms ` +
                  `(${driver.describeState()})${last ? `: ${last.message}` : ''}`,
              ),
            );
          }
          const failure = driver.failure();
          if (failure !== undefined) return reject(failure);
          // Woken by an event that did not make the client ready (an error it will retry after):
          // a call that must wait keeps waiting, within its time.
          if (driver.waitsForReady && !driver.isReady()) return enqueue({ since, settle });
          // Woken by a database check rather than by `ready`: a command handed to a connection
          // that is not ready would wait in the client's queue, and run on database 0 if SELECT
          // fails next.
          if (driver.selects && !driver.isReady()) {
            return reject(
              new Error(`Redis was not ready for ${command} ${key} (${driver.describeState()})`),
            );
          }
          resolve();
        };
        enqueue({ since, settle });
      });
    },
  };

  function enqueue(waiter: Waiter): void {
    const first = waiting.size === 0;
    waiting.add(waiter);
    if (first) {
      unwatch = driver.watchReadiness(wake);
      arm(performance.now());
    }
  }
}
