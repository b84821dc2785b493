/**
 * Where the Go registry (distribution 2.x, `registry/storage/paths.go`) keeps things, relative to
 * its filesystem driver's `rootdirectory`:
 *
 * ```
 * docker/registry/v2/blobs/<alg>/<xx>/<hex>/data                               every blob, once
 * docker/registry/v2/repositories/<name>/_layers/<alg>/<hex>/link              <name> links a blob
 * docker/registry/v2/repositories/<name>/_manifests/revisions/<alg>/<hex>/link <name> has a manifest
 * docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link    what <tag> points at
 * ```
 *
 * Each `link` file holds the digest it stands for. Every function here takes a repository name
 * and digest that core's validators have already accepted (see `routes.ts`): that is what makes
 * joining them into a path safe — the name grammar has no `..`, no leading `/` and no `\`, and
 * the digest's encoded part is hex.
 */
export const REGISTRY_ROOT = 'docker/registry/v2';

function split(digest: string): { algorithm: string; encoded: string } {
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon), encoded: digest.slice(colon + 1) };
}

/** `docker/registry/v2/blobs/sha256/ab/abcd…/data` */
export function blobDataPath(digest: string): string {
  const { algorithm, encoded } = split(digest);
  return `${REGISTRY_ROOT}/blobs/${algorithm}/${encoded.slice(0, 2)}/${encoded}/data`;
}

/** `docker/registry/v2/repositories/<name>` */
export function repositoryPath(name: string): string {
  return `${REGISTRY_ROOT}/repositories/${name}`;
}

/** `…/repositories/<name>/_layers/sha256/abcd…/link` */
export function layerLinkPath(name: string, digest: string): string {
  const { algorithm, encoded } = split(digest);
  return `${repositoryPath(name)}/_layers/${algorithm}/${encoded}/link`;
}

/** `…/repositories/<name>/_manifests/revisions/sha256/abcd…` (the directory holding `link`) */
export function manifestRevisionPath(name: string, digest: string): string {
  const { algorithm, encoded } = split(digest);
  return `${repositoryPath(name)}/_manifests/revisions/${algorithm}/${encoded}`;
}

/** `…/repositories/<name>/_manifests/tags` */
export function tagsPath(name: string): string {
  return `${repositoryPath(name)}/_manifests/tags`;
}

/** `…/repositories/<name>/_manifests/tags/<tag>/current/link` */
export function tagCurrentLinkPath(name: string, tag: string): string {
  return `${tagsPath(name)}/${tag}/current/link`;
}
