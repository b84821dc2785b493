import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LayerBackend } from '@layercache/core';
import { blobDataPath, layerLinkPath } from './layout.js';

export type { LayerBackend };

/** Options of {@link createFilesystemBackend}. */
export interface FilesystemBackendOptions {
  /**
   * Simulated latency added to every call, in milliseconds, standing in for an object-store
   * round trip (S3, GCS: a few ms). The local disk answers in microseconds. Default: 0.
   */
  readonly latencyMs?: number;
}

/** A backend that also counts the calls it answered (what the cache is there to save). */
export interface CountingBackend extends LayerBackend {
  readonly calls: { exists: number; stat: number };
}

/**
 * The registry's storage questions answered from a storage tree in the Go registry's layout:
 * `exists` reads the repository's link file (and checks it names the digest), `stat` stats the
 * blob's data file. Only reads: safe on a real registry's storage.
 */
export function createFilesystemBackend(
  root: string,
  options: FilesystemBackendOptions = {},
): CountingBackend {
  const latencyMs = options.latencyMs ?? 0;
  const calls = { exists: 0, stat: 0 };
  const delay = latencyMs > 0 ? () => sleep(latencyMs) : () => undefined;

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

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
