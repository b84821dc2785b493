import {
  createLayerInfoCache,
  type LayerInfoCache,
  type LayerInfoStore,
  type LayerMeta,
} from '../../src/index.js';
import { defer } from './deferred.js';

export type StoreOperation = Exclude<keyof LayerInfoStore, 'close' | 'entries'>;

/** A pause of one store operation: `entered` resolves when a call arrives, `release` lets it run. */
export interface Pause {
  readonly entered: Promise<void>;
  release(): void;
}

/**
 * A Map-based store behind core's real wrapper (core cannot depend on an adapter package), with
 * the knobs the service tests need: what each operation was asked, operations that fail, and
 * operations paused until released.
 */
export interface MapStore {
  /** The store wrapped by `createLayerInfoCache`: validation, abort and error wrapping are real. */
  readonly cache: LayerInfoCache;
  /** Memberships as `repo@digest`. */
  readonly links: Set<string>;
  readonly metas: Map<string, LayerMeta>;
  /** How many times each operation reached the store. */
  readonly calls: Record<StoreOperation, number>;
  /** Operations that throw (the wrapper turns that into `UnavailableError`). */
  readonly failing: Set<StoreOperation>;
  /** Makes the next calls of `operation` wait until released (they act after the release). */
  pause(operation: StoreOperation): Pause;
}

export const STORE_FAILURE_MESSAGE = 'store is down';

export function createMapStore(): MapStore {
  const links = new Set<string>();
  const metas = new Map<string, LayerMeta>();
  const failing = new Set<StoreOperation>();
  const pauses = new Map<StoreOperation, { entered(): void; released: Promise<void> }>();
  const calls: Record<StoreOperation, number> = {
    contains: 0,
    add: 0,
    remove: 0,
    meta: 0,
    setMeta: 0,
    deleteMeta: 0,
    clear: 0,
    forgetDigest: 0,
  };

  // Synchronous unless paused, like the memory adapter.
  function run<T>(operation: StoreOperation, act: () => T): T | Promise<T> {
    calls[operation] += 1;
    if (failing.has(operation)) throw new Error(STORE_FAILURE_MESSAGE);
    const pause = pauses.get(operation);
    if (pause === undefined) return act();
    pause.entered();
    return pause.released.then(act);
  }

  const store: LayerInfoStore = {
    contains: (repo, digest) => run('contains', () => links.has(`${repo}@${digest}`)),
    add: (repo, digest) =>
      run('add', () => {
        links.add(`${repo}@${digest}`);
      }),
    remove: (repo, digest) => run('remove', () => links.delete(`${repo}@${digest}`)),
    meta: (digest) => run('meta', () => metas.get(digest)),
    setMeta: (digest, meta) =>
      run('setMeta', () => {
        metas.set(digest, meta);
      }),
    deleteMeta: (digest) => run('deleteMeta', () => metas.delete(digest)),
    clear: () =>
      run('clear', () => {
        links.clear();
        metas.clear();
      }),
    forgetDigest: (digest) =>
      run('forgetDigest', () => {
        let removed = 0;
        for (const link of links) {
          if (link.endsWith(`@${digest}`) && links.delete(link)) removed += 1;
        }
        return removed;
      }),
  };

  return {
    cache: createLayerInfoCache(store, { name: 'test-map' }),
    links,
    metas,
    calls,
    failing,
    pause(operation) {
      const entered = defer();
      const released = defer();
      pauses.set(operation, { entered: () => entered.resolve(), released: released.promise });
      return {
        entered: entered.promise,
        release() {
          pauses.delete(operation);
          released.resolve();
        },
      };
    },
  };
}
