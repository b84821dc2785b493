import type { Meter } from '@opentelemetry/api';
import { afterEach } from 'vitest';
import type { LayerInfoCache } from '../types.js';
import type { ConformanceCapabilities, ConformanceContext, ConformanceFactory } from './types.js';

/** What every group of checks gets: a way to open caches that are closed after each test. */
export interface Harness {
  readonly name: string;
  readonly capabilities: ConformanceCapabilities;
  readonly timeoutMs: number;
  /** A new, empty cache on fresh storage. */
  open(options?: {
    ttlMs?: number;
    meter?: Meter;
  }): Promise<{ cache: LayerInfoCache; context: ConformanceContext }>;
  /** Opens the storage of `context` again (durable adapters only). */
  reopen(context: ConformanceContext): Promise<LayerInfoCache>;
  /** A second instance over the storage of `context` while the first is open (`shared`). */
  openShared(context: ConformanceContext): Promise<LayerInfoCache>;
  /** Closes `cache` after the test, like the caches the harness opened itself. */
  adopt(cache: LayerInfoCache): LayerInfoCache;
}

let sequence = 0;

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'cache'
  );
}

export function createHarness(
  name: string,
  factory: ConformanceFactory,
  capabilities: ConformanceCapabilities,
): Harness {
  const opened: LayerInfoCache[] = [];

  // The suite promises to close everything it opens, whether a test passed or not.
  afterEach(async () => {
    const caches = opened.splice(0);
    const results = await Promise.allSettled(caches.map((cache) => cache.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error(`closing a cache of "${name}" failed`, { cause: failed.reason });
  });

  async function track(created: LayerInfoCache | Promise<LayerInfoCache>, what: string) {
    const cache = await created;
    if (cache === null || typeof cache !== 'object' || typeof cache.contains !== 'function') {
      throw new TypeError(`the ${what} of "${name}" did not return a LayerInfoCache`);
    }
    opened.push(cache);
    return cache;
  }

  const reopenWith =
    typeof capabilities.durable === 'object' ? capabilities.durable.reopen : factory;

  const sharedWith =
    typeof capabilities.shared === 'object' && capabilities.shared.open !== undefined
      ? capabilities.shared.open
      : factory;

  return {
    name,
    capabilities,
    timeoutMs: capabilities.timeoutMs ?? 20_000,
    async open(options = {}) {
      sequence += 1;
      const storageId = `lc-${slug(name)}-${process.pid}-${sequence}-${Math.random().toString(36).slice(2, 8)}`;
      const context: ConformanceContext = {
        storageId,
        ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
        ...(options.meter === undefined ? {} : { meter: options.meter }),
      };
      return { cache: await track(factory(context), 'factory'), context };
    },
    reopen(context) {
      return track(reopenWith(context), 'reopen');
    },
    openShared(context) {
      return track(sharedWith(context), 'shared open');
    },
    adopt(cache) {
      opened.push(cache);
      return cache;
    },
  };
}
