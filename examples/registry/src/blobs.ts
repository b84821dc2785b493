import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { CachedLayerService } from '@layercache/core';
import { RegistryError } from './errors.js';
import { parseRange } from './range.js';
import type { Storage } from './storage.js';

/** What the blob handlers work with; built once in `registry.ts`. */
export interface BlobContext {
  /** layercache's read-through service over the storage backend: every access check and stat. */
  readonly blobs: CachedLayerService;
  readonly storage: Storage;
}

/**
 * `HEAD` and `GET /v2/<name>/blobs/<digest>` — the request `docker pull` sends for every layer,
 * and the one the cache is for.
 */
export async function serveBlob(
  { blobs, storage }: BlobContext,
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  digest: string,
  signal: AbortSignal,
): Promise<void> {
  // The access check. Blobs are stored once for the whole registry, so "is the data there" is
  // not enough: the repository must link it, or any user could read any blob by digest from any
  // repository they can pull. The cache answers a known membership without touching storage; a
  // miss asks storage (the `_layers` link file) and caches only a `true`. A cache outage is not
  // a miss: the service asks storage and writes nothing.
  if (!(await blobs.exists(name, digest, { signal }))) {
    throw await unknownBlob(storage, name, digest);
  }
  // The size (for Content-Length) from the cache, else one stat of the data file. Meta is global
  // — it says nothing about membership, which is why it is asked only after the check above.
  const meta = await blobs.stat(digest, { signal });
  if (meta === undefined) {
    // A link whose data is gone: what a garbage collection run outside this process leaves.
    throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
  }

  const range = parseRange(request.headers.range, meta.length);
  if (range === 'unsatisfiable') {
    response.setHeader('Content-Range', `bytes */${meta.length}`);
    throw new RegistryError('RANGE_INVALID', 'requested range not satisfiable', {
      length: meta.length,
    });
  }

  // A HEAD is answered from the cache alone: that is the round trip the cache saves. A GET must
  // read the data anyway, so it also confirms the cached size against the file. The file is
  // opened by the path derived from the validated digest, never by `meta.path`: a cache (a
  // shared Redis, say) is trusted with yes/no answers and sizes, not with naming files to open.
  const file = request.method === 'GET' ? await storage.openBlob(digest) : undefined;
  if (request.method === 'GET') {
    const size = file === undefined ? undefined : (await file.stat()).size;
    if (size !== meta.length) {
      await file?.close();
      // The cached meta outlived the data (or the file changed under a content address):
      // forget it so the next request asks storage, and do not send a broken body.
      await blobs.forget(digest);
      throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
    }
  }

  response.setHeader('Content-Type', 'application/octet-stream');
  response.setHeader('Docker-Content-Digest', digest);
  response.setHeader('ETag', `"${digest}"`);
  response.setHeader('Accept-Ranges', 'bytes');
  // Content-addressed: the bytes behind a digest never change.
  response.setHeader('Cache-Control', 'max-age=31536000');
  const start = range?.start ?? 0;
  const end = range?.end ?? meta.length - 1;
  if (range !== undefined) {
    response.statusCode = 206;
    response.setHeader('Content-Range', `bytes ${start}-${end}/${meta.length}`);
  }
  response.setHeader('Content-Length', Math.max(0, end - start + 1));
  if (file === undefined || meta.length === 0) {
    await file?.close();
    response.end();
    return;
  }
  await pipeline(file.createReadStream({ start, end, autoClose: true }), response, { signal });
}

/**
 * `DELETE /v2/<name>/blobs/<digest>`: removes the repository's link (the data stays until a
 * garbage collection, as in the Go registry), then tells the cache.
 */
export async function deleteBlob(
  { blobs, storage }: BlobContext,
  response: ServerResponse,
  name: string,
  digest: string,
): Promise<void> {
  const removed = await storage.deleteLayerLink(name, digest);
  // Storage first, then the cache: a HEAD in between asks storage (or the cache, which still
  // says yes — the same answer it gave a moment before the DELETE). Invalidating also makes a
  // fill already in flight for this key lose, so a racing HEAD cannot write the membership
  // back. Invalidated even when there was no link: the cache may remember one removed behind
  // our back. If the cache cannot be updated this rejects, and the client gets a 503 rather
  // than a 202 for a revocation the cache did not take.
  await blobs.invalidate(name, digest);
  if (!removed) throw await unknownBlob(storage, name, digest);
  response.statusCode = 202;
  response.setHeader('Content-Length', 0);
  response.end();
}

async function unknownBlob(storage: Storage, name: string, digest: string): Promise<RegistryError> {
  // Only on a miss, which has already cost a storage round trip: the hit path never asks.
  return (await storage.hasRepository(name))
    ? new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest })
    : new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
}
