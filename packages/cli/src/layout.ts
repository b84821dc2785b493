import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './io.js';

/**
 * Where the Go registry's filesystem driver keeps things, under `<rootdirectory>/docker/registry/v2`
 * (distribution's `registry/storage/paths.go`):
 *
 * - blob data: `blobs/<algorithm>/<first two hex>/<hex>/data`
 * - a repository's link to a layer: `repositories/<repo>/_layers/<algorithm>/<hex>/link`,
 *   a file holding the digest
 */
export interface StorageLayout {
  readonly v2: string;
  blobData(digest: string): string;
  layerLink(repo: string, digest: string): string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The layout under `root`: a `rootdirectory`, or the `docker/registry/v2` directory itself. */
export function storageLayout(root: string, command: string): StorageLayout {
  const nested = join(root, 'docker', 'registry', 'v2');
  let v2: string;
  if (isDirectory(nested)) v2 = nested;
  else if (isDirectory(join(root, 'blobs')) || isDirectory(join(root, 'repositories'))) v2 = root;
  else {
    throw new UsageError(
      `--root ${root} is not a registry storage tree (no docker/registry/v2, blobs or repositories in it)`,
      command,
    );
  }
  const split = (digest: string) => {
    const colon = digest.indexOf(':');
    return [digest.slice(0, colon), digest.slice(colon + 1)] as const;
  };
  return {
    v2,
    blobData(digest) {
      const [algorithm, hex] = split(digest);
      return join(v2, 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
    },
    layerLink(repo, digest) {
      const [algorithm, hex] = split(digest);
      return join(v2, 'repositories', repo, '_layers', algorithm, hex, 'link');
    },
  };
}
