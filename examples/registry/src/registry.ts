import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CachedLayerService,
  type CacheErrorContext,
  createCachedLayerService,
  type LayerInfoCache,
} from '@layercache/core';
import { createStorageBackend, type StorageBackend } from './backend.js';
import { deleteBlob, serveBlob } from './blobs.js';
import { RegistryError, sendError } from './errors.js';
import { deleteManifest, listTags, serveManifest } from './manifests.js';
import { matchRoute } from './routes.js';
import { createStorage } from './storage.js';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The Go registry's filesystem `rootdirectory` (the directory holding `docker/registry/v2`). */
  readonly root: string;
  /** The layer cache; the registry never closes it. */
  readonly cache: LayerInfoCache;
  /** Simulated storage latency per backend call, for benchmarks. Default: 0. */
  readonly latencyMs?: number;
  /**
   * Told about cache errors the service absorbed (storage answered instead) and about requests
   * that failed with a 500. Default: a line on stderr.
   */
  readonly log?: (message: string, error: unknown) => void;
}

/** A registry's request handler and the parts a caller may want to look at. */
export interface Registry {
  /** The `node:http` request listener. */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
  /** The read-through service every blob access check and stat goes through. */
  readonly blobs: CachedLayerService;
  /** The storage backend behind the cache, with its call counters. */
  readonly backend: StorageBackend;
}

/**
 * A read-mostly OCI distribution registry over a Go-registry storage tree, with layercache
 * between the blob endpoints and storage.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createSqliteCache } from '@layercache/sqlite';
 * import { createRegistry } from './registry.js';
 *
 * const cache = createSqliteCache({ filename: '/var/cache/registry/layers.sqlite' });
 * const registry = createRegistry({ root: '/var/lib/registry', cache });
 * createServer(registry.handle).listen(5000);
 * ```
 */
export function createRegistry(options: RegistryOptions): Registry {
  const log =
    options.log ?? ((message, error) => process.stderr.write(`${message}: ${describe(error)}\n`));
  const backend = createStorageBackend(options.root, { latencyMs: options.latencyMs ?? 0 });
  // The one place the cache enters: every blob handler asks `blobs`, never `backend`. A cache
  // error is reported here and answered by storage, so a cache outage slows pulls down but
  // never fails them and never turns into a wrong answer.
  const blobs = createCachedLayerService(options.cache, backend, {
    onError: (error, { operation, repo, digest }: CacheErrorContext) =>
      log(`layer cache ${operation} failed for ${repo ?? '-'} ${digest}; storage answered`, error),
  });
  const storage = createStorage(options.root);
  const context = { blobs, storage };

  const route = async (request: IncomingMessage, response: ServerResponse, signal: AbortSignal) => {
    const { method = 'GET' } = request;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
      // Uploads (POST/PUT/PATCH) are not part of this read path: push with the Go registry.
      throw new RegistryError(
        'UNSUPPORTED',
        `${method} is not supported by this read-only registry`,
      );
    }
    const target = matchRoute(request.url ?? '/');
    if (target === undefined) {
      response.statusCode = 404;
      response.end();
      return;
    }
    const reading = method === 'GET' || method === 'HEAD';
    switch (target.kind) {
      case 'base':
        if (!reading) break;
        response.setHeader('Content-Type', 'application/json; charset=utf-8');
        response.setHeader('Content-Length', 2);
        response.end(method === 'HEAD' ? undefined : '{}');
        return;
      case 'blob':
        if (reading)
          return serveBlob(context, request, response, target.name, target.digest, signal);
        if (method === 'DELETE') return deleteBlob(context, response, target.name, target.digest);
        break;
      case 'manifest':
        if (reading) return serveManifest(storage, method, response, target.name, target.reference);
        if (method === 'DELETE')
          return deleteManifest(storage, response, target.name, target.reference);
        break;
      case 'tags':
        if (method === 'GET') return listTags(storage, response, target.name);
        break;
    }
    throw new RegistryError('UNSUPPORTED', `${method} is not supported on ${target.kind}`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    // A client that hangs up aborts the cache and storage calls made for it (the service shares
    // a backend call among callers and aborts it only when all of them have gone).
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new Error('client went away'));
    });
    route(request, response, controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      if (response.headersSent) {
        response.destroy(error instanceof Error ? error : undefined);
        return;
      }
      if (error instanceof RegistryError) {
        sendError(response, request.method, error);
        return;
      }
      log(`${request.method} ${request.url} failed`, error);
      // No detail to the client: a storage or cache error may name paths or hosts.
      const failure = new RegistryError('UNAVAILABLE', 'storage or cache failed; try again');
      sendError(response, request.method, failure);
    });
  };

  return { handle, blobs, backend };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
