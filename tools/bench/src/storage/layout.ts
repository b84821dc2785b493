/**
 * Paths of the Go registry's storage layout (distribution `registry/storage/paths.go`), relative
 * to the storage driver's root directory:
 *
 * ```
 * docker/registry/v2/blobs/<alg>/<first 2 hex>/<hex>/data                  the blob, stored once
 * docker/registry/v2/repositories/<name>/_layers/<alg>/<hex>/link          "<alg>:<hex>": name links it
 * ```
 *
 * Membership is the existence of the link file; meta is the data file's path and size.
 */
export const REGISTRY_ROOT = 'docker/registry/v2';

/** Splits `sha256:abcd…` into its algorithm and encoded parts. */
export function splitDigest(digest: string): { algorithm: string; encoded: string } {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) throw new RangeError(`not a digest: ${digest}`);
  return { algorithm: digest.slice(0, colon), encoded: digest.slice(colon + 1) };
}

/** `docker/registry/v2/blobs/sha256/ab/abcd…/data` */
export function blobDataPath(digest: string): string {
  const { algorithm, encoded } = splitDigest(digest);
  return `${REGISTRY_ROOT}/blobs/${algorithm}/${encoded.slice(0, 2)}/${encoded}/data`;
}

/** `docker/registry/v2/repositories/<repo>/_layers/sha256/abcd…/link` */
export function layerLinkPath(repo: string, digest: string): string {
  const { algorithm, encoded } = splitDigest(digest);
  return `${REGISTRY_ROOT}/repositories/${repo}/_layers/${algorithm}/${encoded}/link`;
}

/** `docker/registry/v2/repositories` */
export const REPOSITORIES_PATH = `${REGISTRY_ROOT}/repositories`;
