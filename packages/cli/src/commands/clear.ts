import type { LayerInfoCache } from '@layercache/core';
import { type Io, print, printJson } from '../io.js';

export async function clear(cache: LayerInfoCache, io: Io, json: boolean): Promise<number> {
  await cache.clear();
  if (json) printJson(io, { cleared: true });
  else print(io.stdout, 'cleared every membership and meta of the cache');
  return 0;
}
