import { validateDigest, validateRepository } from '@layercache/core';
import { RegistryError } from './errors.js';

/** What a request path asks for, with its name and reference already validated. */
export type Route =
  | { readonly kind: 'base' }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: ManifestReference }
  | { readonly kind: 'tags'; readonly name: string };

/** A manifest is asked for by tag (`latest`) or by digest (`sha256:…`). */
export type ManifestReference = { readonly tag: string } | { readonly digest: string };

// The distribution-spec tag grammar.
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

const BLOB_OR_MANIFEST = /^\/v2\/(.+)\/(blobs|manifests)\/([^/]+)$/;
const TAGS_LIST = /^\/v2\/(.+)\/tags\/list$/;

/**
 * Matches a request path to a {@link Route}, or `undefined` when it is none of ours.
 *
 * This is the registry's only gate between a URL and a file path, so it validates with core's
 * validators — the same grammar the cache enforces — before anything touches the filesystem:
 * a name such as `../../etc` or a digest such as `sha256:../../x` is a 400 here, never a read
 * outside the storage root. The path is deliberately not percent-decoded: `%2e%2e` stays four
 * characters the grammar refuses.
 *
 * @throws RegistryError `NAME_INVALID` or `DIGEST_INVALID` (400).
 */
export function matchRoute(url: string): Route | undefined {
  const path = url.split('?', 1)[0] ?? '';
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };

  const tags = TAGS_LIST.exec(path);
  if (tags !== null) return { kind: 'tags', name: checkName(tags[1] ?? '') };

  const match = BLOB_OR_MANIFEST.exec(path);
  if (match === null) return undefined;
  const [, rawName = '', kind, reference = ''] = match;
  const name = checkName(rawName);
  if (kind === 'blobs') return { kind: 'blob', name, digest: checkDigest(reference) };
  if (reference.includes(':')) {
    return { kind: 'manifest', name, reference: { digest: checkDigest(reference) } };
  }
  if (!TAG.test(reference)) {
    throw new RegistryError('MANIFEST_INVALID', 'invalid tag', { tag: reference.slice(0, 200) });
  }
  return { kind: 'manifest', name, reference: { tag: reference } };
}

function checkName(name: string): string {
  try {
    validateRepository(name);
  } catch (error) {
    // core's message names the problem (upper case, `..`, too long…).
    throw new RegistryError(
      'NAME_INVALID',
      error instanceof Error ? error.message : 'invalid name',
      {
        name: name.slice(0, 300),
      },
    );
  }
  return name;
}

function checkDigest(digest: string): string {
  try {
    validateDigest(digest);
  } catch (error) {
    // core's message says what is wrong (malformed, unsupported algorithm, wrong length).
    throw new RegistryError(
      'DIGEST_INVALID',
      error instanceof Error ? error.message : 'invalid digest',
    );
  }
  return digest;
}
