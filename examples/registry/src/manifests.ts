import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RegistryError } from './errors.js';
import type { ManifestReference } from './routes.js';
import type { Storage } from './storage.js';

/**
 * `HEAD` and `GET /v2/<name>/manifests/<tag|digest>`. Manifests are read from storage directly,
 * not through the cache: a pull reads one manifest and then many blobs, tags move, and
 * layercache's memberships are the `_layers` links that blob requests check.
 */
export async function serveManifest(
  storage: Storage,
  method: string | undefined,
  response: ServerResponse,
  name: string,
  reference: ManifestReference,
): Promise<void> {
  const digest =
    'tag' in reference ? await storage.resolveTag(name, reference.tag) : reference.digest;
  const bytes = digest === undefined ? undefined : await storage.readManifest(name, digest);
  if (digest === undefined || bytes === undefined)
    throw await unknownManifest(storage, name, reference);
  // A revision whose bytes do not hash to its digest is a corrupt tree; clients would reject it.
  if (digest.startsWith('sha256:') && sha256(bytes) !== digest) {
    throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { digest });
  }

  response.setHeader('Content-Type', manifestMediaType(bytes));
  response.setHeader('Docker-Content-Digest', digest);
  response.setHeader('ETag', `"${digest}"`);
  response.setHeader('Content-Length', bytes.length);
  if (method === 'HEAD') response.end();
  else response.end(bytes);
}

/**
 * `DELETE /v2/<name>/manifests/<digest>`: removes the revision and every tag pointing at it. The
 * blobs it referenced keep their links (the Go registry's garbage collector removes those), so
 * nothing in the cache changes.
 */
export async function deleteManifest(
  storage: Storage,
  response: ServerResponse,
  name: string,
  reference: ManifestReference,
): Promise<void> {
  if ('tag' in reference) {
    throw new RegistryError('UNSUPPORTED', 'delete a manifest by digest, not by tag');
  }
  if (!(await storage.deleteManifest(name, reference.digest))) {
    throw await unknownManifest(storage, name, reference);
  }
  response.statusCode = 202;
  response.setHeader('Content-Length', 0);
  response.end();
}

/** `GET /v2/<name>/tags/list` (what `skopeo inspect` asks for besides the manifest). */
export async function listTags(storage: Storage, response: ServerResponse, name: string) {
  const tags = await storage.listTags(name);
  if (tags === undefined) {
    throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
  }
  const body = JSON.stringify({ name, tags });
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}

/**
 * The manifest's own `mediaType` (image manifests and indexes of both OCI and Docker carry it);
 * without one, what its shape says it is.
 */
export function manifestMediaType(bytes: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'stored manifest is not JSON');
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (typeof fields.mediaType === 'string' && fields.mediaType !== '') return fields.mediaType;
  if (fields.schemaVersion === 1)
    return 'application/vnd.docker.distribution.manifest.v1+prettyjws';
  return Array.isArray(fields.manifests)
    ? 'application/vnd.oci.image.index.v1+json'
    : 'application/vnd.oci.image.manifest.v1+json';
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function unknownManifest(storage: Storage, name: string, reference: ManifestReference) {
  return (await storage.hasRepository(name))
    ? new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', reference)
    : new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
}
