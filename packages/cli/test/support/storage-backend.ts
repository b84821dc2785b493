import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerBackend } from '@layercache/core';

/**
 * The registry's side of a pull over its filesystem storage, as the Go registry does it: a
 * repository serves a blob when its `_layers` link names it and the blob's data exists.
 */
export function storageBackend(root: string): LayerBackend {
  const v2 = join(root, 'docker', 'registry', 'v2');
  const split = (digest: string) => digest.split(':') as [string, string];
  const data = (digest: string) => {
    const [algorithm, hex] = split(digest);
    return join(v2, 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
  };
  const size = async (path: string) => (await stat(path).catch(() => undefined))?.size;
  return {
    async exists(repo, digest) {
      const [algorithm, hex] = split(digest);
      const link = join(v2, 'repositories', repo, '_layers', algorithm, hex, 'link');
      const linked = await readFile(link, 'utf8').catch(() => undefined);
      return linked?.trim() === digest && (await size(data(digest))) !== undefined;
    },
    async stat(digest) {
      const length = await size(data(digest));
      return length === undefined ? undefined : { path: data(digest), length };
    },
  };
}
