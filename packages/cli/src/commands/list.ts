import type { LayerCacheEntry, LayerInfoCache } from '@layercache/core';
import { CommandError } from '../io.js';

/** The cache's entries, or a message saying the adapter cannot list them. */
export function entriesOf(
  cache: LayerInfoCache,
  signal: AbortSignal,
): AsyncIterableIterator<LayerCacheEntry> {
  if (cache.entries === undefined) {
    throw new CommandError('this cache cannot list its entries (its adapter lacks "entries")');
  }
  return cache.entries({ signal });
}

export function forgetterOf(cache: LayerInfoCache) {
  if (cache.forgetDigest === undefined) {
    throw new CommandError(
      'this cache cannot forget a digest in every repository (its adapter lacks "forgetDigest")',
    );
  }
  return cache.forgetDigest.bind(cache);
}
