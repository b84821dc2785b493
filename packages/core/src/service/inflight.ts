// Single flight: concurrent misses for one key share one backend call. Each caller waits on the
// shared call with its own AbortSignal; the call itself is aborted only when every caller has
// left, because aborting it for one caller would fail all the others.
//
// The backend's AbortSignal is created only when the backend reads it: creating one costs more
// than answering a cache hit (tens of microseconds on Node 20, mostly garbage collection).
//
// A flight also carries whether its answer may still be written to the cache. Invalidation,
// a caller that met a cache error, and abandonment by every caller all clear that flag; the fill
// code checks it synchronously just before writing, so no write can start after it was cleared.

import type { CallOptions } from '../types.js';

/** One backend call shared by every caller that asked for the same key while it ran. */
export interface Flight {
  /**
   * The options to pass to the backend. Their `signal` aborts once every caller has left before
   * the call settled.
   */
  readonly backendOptions: CallOptions;
  /** Whether every caller left before the call settled (the backend's signal is then aborted). */
  readonly abandoned: boolean;
  /**
   * Whether the answer may be written to the cache. Cleared when the key is invalidated while
   * the call is in flight, when a caller reached it through a cache error, and when every caller
   * has left.
   */
  writable: boolean;
  /** The fill write in progress, if any. Invalidation waits for it so that its delete lands last. */
  writing: Promise<void> | undefined;
}

interface FlightState<T> extends Flight {
  readonly digest: string;
  readonly slot: string;
  controller: AbortController | undefined;
  abandoned: boolean;
  abandonReason: unknown;
  outcome: Promise<T>;
  waiters: number;
  settled: boolean;
}

/** In-flight calls of one kind, keyed by digest and then by a slot (the repository, for `exists`). */
export interface FlightTable<T> {
  /**
   * Waits for the call in flight for (`digest`, `slot`), starting it with `work` if there is
   * none. Rejects at once with `signal.reason` when `signal` aborts, without disturbing the other
   * callers. `writable: false` forbids the shared call to write its answer to the cache.
   */
  join(
    digest: string,
    slot: string,
    work: (flight: Flight) => Promise<T>,
    signal: AbortSignal | undefined,
    writable: boolean,
  ): Promise<T>;
  /**
   * Makes the calls in flight for `digest` (only `slot`'s, when given) lose: their answers still
   * reach their callers but are not written, and later callers start a fresh call. Resolves once
   * any fill write those calls had already started has ended.
   */
  lose(digest: string, slot?: string): Promise<void>;
}

/**
 * Creates an empty {@link FlightTable}. A flight leaves the table the moment its call settles,
 * so nothing of an answer is kept once it has been delivered.
 */
export function createFlightTable<T>(): FlightTable<T> {
  // One flat map: a nested digest → slot map would allocate and drop an inner map for nearly
  // every miss. Finding every flight of a digest (`lose` without a slot, i.e. `forget`) scans the
  // flights in progress instead, which are few and bounded by the callers' concurrency.
  const flights = new Map<string, FlightState<T>>();
  const keyOf = (digest: string, slot: string) => `${slot} ${digest}`;

  function detach(flight: FlightState<T>): void {
    const key = keyOf(flight.digest, flight.slot);
    if (flights.get(key) === flight) flights.delete(key);
  }

  function start(
    digest: string,
    slot: string,
    work: (flight: Flight) => Promise<T>,
  ): FlightState<T> {
    const flight: FlightState<T> = {
      digest,
      slot,
      controller: undefined,
      abandoned: false,
      abandonReason: undefined,
      backendOptions: {
        get signal() {
          if (flight.controller === undefined) {
            flight.controller = new AbortController();
            if (flight.abandoned) flight.controller.abort(flight.abandonReason);
          }
          return flight.controller.signal;
        },
      },
      writable: true,
      writing: undefined,
      outcome: Promise.resolve() as Promise<T>,
      waiters: 0,
      settled: false,
    };
    flight.outcome = (async () => {
      try {
        return await work(flight);
      } finally {
        // Before the outcome settles, so a caller that asks again as soon as it has its answer
        // starts a new call instead of joining the finished one.
        flight.settled = true;
        detach(flight);
      }
    })();
    // Every caller attaches its own handlers; this one only keeps a call that every caller left
    // from surfacing as an unhandled rejection.
    flight.outcome.catch(() => {});
    flights.set(keyOf(digest, slot), flight);
    return flight;
  }

  function leave(flight: FlightState<T>, reason: unknown): void {
    flight.waiters -= 1;
    if (flight.waiters > 0 || flight.settled) return;
    // Nobody is left to use the answer: stop the backend call, write nothing, and let the next
    // caller start afresh rather than join a call that is being aborted. A fill write already
    // under way cannot be called back, so such a flight stays in the table until it ends: `lose`
    // must still find it and wait for the write, or its delete could land first and be undone.
    flight.writable = false;
    if (flight.writing === undefined) detach(flight);
    flight.abandoned = true;
    flight.abandonReason = reason;
    flight.controller?.abort(reason);
  }

  function wait(flight: FlightState<T>, signal: AbortSignal | undefined): Promise<T> {
    flight.waiters += 1;
    // A caller without a signal can never leave, so the call can never be abandoned.
    if (signal === undefined) return flight.outcome;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason);
        leave(flight, signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.outcome.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  return {
    join(digest, slot, work, signal, writable) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const flight = flights.get(keyOf(digest, slot)) ?? start(digest, slot, work);
      if (!writable) flight.writable = false;
      return wait(flight, signal);
    },

    async lose(digest, slot) {
      const losing =
        slot === undefined
          ? [...flights.values()].filter((flight) => flight.digest === digest)
          : [flights.get(keyOf(digest, slot))];
      const writes: Promise<void>[] = [];
      for (const flight of losing) {
        if (flight === undefined) continue;
        flight.writable = false;
        detach(flight);
        if (flight.writing !== undefined) writes.push(flight.writing);
      }
      // Fill writes report their own failures and never reject.
      await Promise.all(writes);
    },
  };
}
