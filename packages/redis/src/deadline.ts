/** Thrown (as the `cause` of core's `UnavailableError`) when Redis did not answer in time. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

interface Pending {
  settled: boolean;
  readonly tick: number;
  readonly command: string;
  readonly key: string;
  readonly reject: (error: unknown) => void;
}

/** Turns a client error into the one the caller sees (e.g. naming the key of a WRONGTYPE). */
export type ErrorMapper = (error: unknown, command: string, key: string) => unknown;

// Checks per timeout: a call is rejected between `timeoutMs` and `timeoutMs * (1 + 1/TICKS)`.
const TICKS = 8;

/**
 * Bounds every call by `timeoutMs`, whatever the client's own settings: a borrowed client may have
 * an unbounded offline queue, and a Cluster queues commands before its first `ready` without any
 * timeout of its own.
 *
 * One coarse ticking timer serves all calls instead of a `setTimeout` each: calls start in tick
 * order, so they sit in a FIFO in deadline order and the sweep only looks at its head. The tick
 * counter also avoids reading the clock per call, and is immune to a faked `Date`.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  #queue: Pending[] = [];
  #head = 0;
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  readonly #mapError: ErrorMapper;

  constructor(timeoutMs: number, mapError: ErrorMapper = (error) => error) {
    this.#timeoutMs = timeoutMs;
    this.#mapError = mapError;
    this.#tickMs = Math.max(1, Math.ceil(timeoutMs / TICKS));
  }

  /**
   * Resolves like `pending` (mapped by `map`, whose throw rejects), or rejects with a
   * {@link RedisTimeoutError} once the time is up. `command` and `key` name the call in errors
   * (kept apart so that no message is built unless one is needed).
   */
  guard<T, R = T>(
    pending: Promise<T>,
    command: string,
    key: string,
    map?: (value: T) => R,
  ): Promise<R> {
    if (this.#timer === undefined) this.#timer = this.#start();
    const mapError = this.#mapError;
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { settled: false, tick: this.#tick, command, key, reject };
      this.#queue.push(entry);
      pending.then(
        (value) => {
          entry.settled = true;
          if (map === undefined) {
            resolve(value as unknown as R);
            return;
          }
          try {
            resolve(map(value));
          } catch (error) {
            reject(mapError(error, command, key));
          }
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          reject(mapError(error, command, key));
        },
      );
    });
  }

  /** Stops the timer once every pending call has settled or timed out. */
  stop(): void {
    this.#stopping = true;
    if (this.#head === this.#queue.length) this.#clear();
  }

  #clear(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #start(): NodeJS.Timeout {
    const timer = setInterval(() => this.#sweep(), this.#tickMs);
    // Never keep a process alive just to watch an idle cache.
    timer.unref();
    return timer;
  }

  #sweep(): void {
    this.#tick++;
    const queue = this.#queue;
    let head = this.#head;
    // TICKS full ticks must have passed since the call started: never early, at most a tick late.
    const expired = this.#tick - TICKS - 1;
    while (head < queue.length) {
      const entry = queue[head]!;
      if (!entry.settled && entry.tick > expired) break;
      this.#expire(entry);
      head++;
    }
    // Compact now and then rather than shift() per call.
    if (head === queue.length) {
      this.#queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      head = 0;
    }
    this.#head = head;
    if (this.#stopping && head === this.#queue.length) this.#clear();
  }

  #expire(entry: Pending): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.reject(
      new RedisTimeoutError(
        `Redis did not answer ${entry.command}${entry.key ? ` ${entry.key}` : ''} within ${this.#timeoutMs} ms`,
      ),
    );
  }
}
