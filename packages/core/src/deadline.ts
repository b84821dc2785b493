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

/**
 * A call in flight: a node of the list of calls in start order. It is unlinked as soon as the call
 * settles, so nothing keeps a settled call (its promise, its closures) alive until the next sweep.
 */
interface Pending {
  /** `true` once answered, failed or timed out: a later outcome is dropped. */
  settled: boolean;
  readonly tick: number;
  prev: Pending | undefined;
  next: Pending | undefined;
  readonly reject: (error: unknown) => void;
  readonly fail: (error: unknown) => unknown;
}

/** Checks per timeout: a call is rejected between `timeoutMs` and `timeoutMs * (1 + 1/TICKS)`. */
export const DEADLINE_TICKS = 8;

/**
 * Bounds calls by `timeoutMs` with one coarse ticking timer for all of them instead of a
 * `setTimeout` each (which would cost a timer allocation and a heap insertion per call on the
 * hot path). Calls start in tick order, so they sit in a list in deadline order and a sweep only
 * looks at its head. The list is doubly linked so that a call leaves it the moment it settles: an
 * array holding every call until the next sweep (up to an eighth of `timeoutMs` away) kept tens
 * of thousands of settled calls alive at a time, so they outlived the young generation and the
 * garbage collector took a fifth of the CPU at 64 calls in flight. The tick counter also avoids
 * reading the clock per call, and is immune to a faked `Date`. The timer runs only while calls
 * are in flight and never keeps a process alive.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  #head: Pending | undefined;
  #tail: Pending | undefined;
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
      const entry: Pending = {
        settled: false,
        tick: this.#tick,
        prev: this.#tail,
        next: undefined,
        reject,
        fail,
      };
      if (this.#tail === undefined) this.#head = entry;
      else this.#tail.next = entry;
      this.#tail = entry;
      pending.then(
        (value) => {
          if (entry.settled) return;
          this.#unlink(entry);
          try {
            resolve(map(value));
          } catch (error) {
            reject(fail(error));
          }
        },
        (error: unknown) => {
          if (entry.settled) return;
          this.#unlink(entry);
          reject(fail(error));
        },
      );
    });
  }

  #unlink(entry: Pending): void {
    entry.settled = true;
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    // A settled call must not keep its neighbours alive (nor they it).
    entry.prev = undefined;
    entry.next = undefined;
  }

  #start(): NodeJS.Timeout {
    const timer = setInterval(() => this.#sweep(), this.#tickMs);
    timer.unref();
    return timer;
  }

  #sweep(): void {
    this.#tick++;
    // DEADLINE_TICKS full ticks must have passed since the call started: never early, at most a
    // tick late.
    const expired = this.#tick - DEADLINE_TICKS - 1;
    for (let entry = this.#head; entry !== undefined && entry.tick <= expired; entry = this.#head) {
      this.#unlink(entry);
      entry.reject(entry.fail(new DeadlineExceededError(this.#timeoutMs)));
    }
    // Stop ticking once nothing is in flight.
    if (this.#head === undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
