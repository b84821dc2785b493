import type { CallOptions, LayerBackend, LayerMeta } from '../../src/index.js';
import { type Deferred, defer } from './deferred.js';

/**
 * A storage backend the tests script: it counts calls, keeps every signal it was given, can fail,
 * and can be held so that calls stay in flight until the test releases them.
 */
export interface ScriptedBackend extends LayerBackend {
  /** Memberships as `repo@digest`. */
  readonly links: Set<string>;
  readonly metas: Map<string, LayerMeta>;
  readonly calls: { exists: number; stat: number };
  /** How many calls have delivered an answer (held calls count once released). */
  answered: number;
  /** The signal of every call, in order. */
  readonly signals: AbortSignal[];
  /** When set, every call rejects with exactly this value. */
  failure: unknown;
  /** Whether a held call rejects with its signal's reason when that aborts. Default `true`. */
  honoursAbort: boolean;
  /**
   * Holds every call from now on: each decides its answer when it starts (as a storage read
   * would) and delivers it when the returned gate resolves, or fails with the gate's error.
   */
  hold(): Deferred<void>;
}

export const backendFailure = (): Error => new Error('storage backend is down');

export function createScriptedBackend(): ScriptedBackend {
  let gate: Deferred<void> | undefined;

  async function answer<T>(decide: () => T, options: CallOptions | undefined): Promise<T> {
    const signal = options?.signal;
    if (signal !== undefined) backend.signals.push(signal);
    if (backend.failure !== undefined) throw backend.failure;
    const value = decide();
    if (gate === undefined) {
      backend.answered += 1;
      return value;
    }
    const held = gate.promise;
    if (!backend.honoursAbort || signal === undefined) {
      await held;
      backend.answered += 1;
      return value;
    }
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      held.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
    backend.answered += 1;
    return value;
  }

  const backend: ScriptedBackend = {
    links: new Set(),
    metas: new Map(),
    calls: { exists: 0, stat: 0 },
    answered: 0,
    signals: [],
    failure: undefined,
    honoursAbort: true,
    hold() {
      gate = defer();
      return gate;
    },
    exists(repo, digest, options) {
      backend.calls.exists += 1;
      return answer(() => backend.links.has(`${repo}@${digest}`), options);
    },
    stat(digest, options) {
      backend.calls.stat += 1;
      return answer(() => backend.metas.get(digest), options);
    },
  };
  return backend;
}
