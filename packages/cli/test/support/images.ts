import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCachedLayerService, type LayerInfoCache } from '@layercache/core';
import { makeLayer, type OciImage, writeOciImage } from './oci.js';
import type { Registry } from './registry.js';
import { storageBackend } from './storage-backend.js';

/**
 * Two images sharing a base layer, pushed to three repositories:
 * `library/app-a` and `team/mirror` hold image A (base, a1), `library/app-b` image B (base, b1).
 */
export interface Pushed {
  readonly a: OciImage;
  readonly b: OciImage;
  /** Every (repository, blob) a pull reads through the layer service. */
  readonly pulls: ReadonlyArray<readonly [repo: string, digest: string]>;
  cleanup(): void;
}

export function pushImages(registry: Registry): Pushed {
  const dir = mkdtempSync(join(tmpdir(), 'layercache-oci-'));
  const base = makeLayer('base.txt', 'the shared base layer\n');
  const a = writeOciImage(join(dir, 'a'), 'v1', [base, makeLayer('a.txt', 'only in image a\n')]);
  const b = writeOciImage(join(dir, 'b'), 'v1', [base, makeLayer('b.txt', 'only in image b\n')]);
  registry.push(a, 'library/app-a');
  registry.push(a, 'team/mirror');
  registry.push(b, 'library/app-b');
  const pulls = [
    ...a.blobs.map((digest) => ['library/app-a', digest] as const),
    ...a.blobs.map((digest) => ['team/mirror', digest] as const),
    ...b.blobs.map((digest) => ['library/app-b', digest] as const),
  ];
  return { a, b, pulls, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pulls every blob through the read-through service, which fills the cache from storage. */
export async function pullThrough(
  cache: LayerInfoCache,
  root: string,
  pulls: Pushed['pulls'],
): Promise<void> {
  const service = createCachedLayerService(cache, storageBackend(root));
  for (const [repo, digest] of pulls) {
    if (!(await service.exists(repo, digest))) throw new Error(`${repo} does not serve ${digest}`);
    if ((await service.stat(digest)) === undefined) throw new Error(`no blob ${digest}`);
  }
}
