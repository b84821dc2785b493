import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LayerBackend } from '@layercache/core';
import { blobDataPath, layerLinkPath } from './layout.js';
import { isMissing } from './storage.js';

/** Options of {@link createStorageBackend}. */
export interface StorageBackendOptions {
  /**
   * Added to every call, in milliseconds: stands in for an object-store round trip (S3, GCS: a
   * few ms) when benchmarking on a local disk, which answers in microseconds. Default: 0.
   */
  readonly latencyMs?: number;
}

/** A {@link LayerBackend} that also counts what it answered (what the cache is there to save). */
export interface StorageBackend extends LayerBackend {
  readonly calls: { exists: number; stat: number };
}

/**
 * The two slow questions a registry asks its storage for every blob request, answered from a
 * Go-registry tree on disk. This is what layercache wraps (see `registry.ts`); on S3 or GCS each
 * of these is a network round trip.
 *
 * - `exists`: the repository's `_layers` link file exists and names the digest. This is the
 *   access check: blobs are stored once, globally, and a repository may serve only those it links.
 * - `stat`: the blob's data file and its size. The `path` is the storage driver's path (as the
 *   Go registry's cache stores it), for operators' tools; the registry never opens a file by a
 *   path it read from the cache (see `blobs.ts`).
 *
 * Only reads: safe on a real registry's storage. Callers pass validated names and digests.
 */
export function createStorageBackend(
  root: string,
  options: StorageBackendOptions = {},
): StorageBackend {
  const latencyMs = options.latencyMs ?? 0;
  const delay = latencyMs > 0 ? () => sleep(latencyMs) : () => undefined;
  const calls = { exists: 0, stat: 0 };
  return {
    calls,
    async exists(repo, digest) {
      calls.exists++;
      await delay();
      try {
        const link = await readFile(join(root, layerLinkPath(repo, digest)), 'utf8');
        return link.trim() === digest;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async stat(digest) {
      calls.stat++;
      await delay();
      const path = blobDataPath(digest);
      try {
        const info = await stat(join(root, path));
        return info.isFile() ? { path: `/${path}`, length: info.size } : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
  };
}
