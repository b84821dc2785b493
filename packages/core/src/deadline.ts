/**
 * The `cause` of the `UnavailableError` a call rejects with when its store did not answer within
 * the cache's `timeoutMs`. Check it to tell a timeout from other failures:
 *
 * @example
 * ```ts
 * if (isUnavailableError(error) && error.cause instanceof DeadlineExceededError) retryLater();
 * ```
 */
export class DeadlineExceededError extends Error {
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}
Object.defineProperty(DeadlineExceededError.prototype, 'name', {
  value: 'DeadlineExceededError',
  writable: true,
  configurable: true,
});

interface Pending {
  settled: boolean;
  readonly tick: number;
  readonly reject: (error: unknown) => void;
}

/** Checks per timeout: a call is rejected between `timeoutMs` and `timeoutMs * (1 + 1/TICKS)`. */
export const DEADLINE_TICKS = 8;

/**
 * Bounds calls by `timeoutMs` with one coarse ticking timer for all of them instead of a
 * `setTimeout` each (which would cost a timer allocation and a heap insertion per call on the
 * hot path). Calls start in tick order, so they sit in a FIFO in deadline order and a sweep only
 * looks at its head. The tick counter also avoids reading the clock per call, and is immune to a
 * faked `Date`. The timer runs only while calls are in flight and never keeps a process alive.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  #queue: Pending[] = [];
  #head = 0;
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#tickMs = Math.max(1, Math.ceil(timeoutMs / DEADLINE_TICKS));
  }

  /**
   * Resolves with `map(value)` when `pending` fulfils, rejects with `fail(error)` when it rejects
   * (or when `map` throws), and with `fail(new DeadlineExceededError())` once the time is up; an
   * answer arriving later is dropped. One promise in all, whatever the outcome.
   */
  guard<T, R>(
    pending: PromiseLike<T>,
    map: (value: T) => R,
    fail: (error: unknown) => unknown,
  ): Promise<R> {
    this.#timer ??= this.#start();
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { settled: false, tick: this.#tick, reject: (e) => reject(fail(e)) };
      this.#queue.push(entry);
      pending.then(
        (value) => {
          if (entry.settled) return;
          entry.settled = true;
          try {
            resolve(map(value));
          } catch (error) {
            reject(fail(error));
          }
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          reject(fail(error));
        },
      );
    });
  }

  #start(): NodeJS.Timeout {
    const timer = setInterval(() => this.#sweep(), this.#tickMs);
    timer.unref();
    return timer;
  }

  #sweep(): void {
    this.#tick++;
    const queue = this.#queue;
    let head = this.#head;
    // DEADLINE_TICKS full ticks must have passed since the call started: never early, at most a
    // tick late.
    const expired = this.#tick - DEADLINE_TICKS - 1;
    while (head < queue.length) {
      const entry = queue[head] as Pending;
      if (!entry.settled && entry.tick > expired) break;
      if (!entry.settled) {
        entry.settled = true;
        entry.reject(new DeadlineExceededError(this.#timeoutMs));
      }
      head++;
    }
    // Compact now and then rather than shift() per call; stop ticking once nothing is in flight.
    if (head === queue.length) {
      this.#queue = [];
      head = 0;
      clearInterval(this.#timer);
      this.#timer = undefined;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
