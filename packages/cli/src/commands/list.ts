import type { LayerCacheEntry, LayerInfoCache } from '@layercache/core';
import { CommandError } from '../io.js';

// A listing from a synchronous store (SQLite) advances on microtasks alone, which would keep
// signal handlers (Ctrl-C) and the terminal from ever running: let the event loop turn now and then.
const TURN_EVERY = 1000;

/** The cache's entries, or a message saying the adapter cannot list them. */
export async function* entriesOf(
  cache: LayerInfoCache,
  signal: AbortSignal,
): AsyncGenerator<LayerCacheEntry> {
  if (cache.entries === undefined) {
    throw new CommandError('this cache cannot list its entries (its adapter lacks "entries")');
  }
  let count = 0;
  for await (const entry of cache.entries({ signal })) {
    yield entry;
    if (++count % TURN_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

export function forgetterOf(cache: LayerInfoCache) {
  if (cache.forgetDigest === undefined) {
    throw new CommandError(
      'this cache cannot forget a digest in every repository (its adapter lacks "forgetDigest")',
    );
  }
  return cache.forgetDigest.bind(cache);
}
