import { HEX_START } from './digest-key.js';

// A blob's path usually spells out its digest: the Go registry keeps sha256:<hex> at
// `…/blobs/sha256/<first two hex>/<hex>/data`, and other registries' layouts do likewise. The row's
// key already holds the digest, so the `packed_path` column holds the path with each occurrence of
// the digest's hex written as one NUL: 64 bytes less per sha256 meta. NUL is the one character no
// path holds (core refuses it), so the packed form always reads back to exactly the path written.

/** The column value for `path`, the path of the blob `digest` (both validated by core). */
export function packPath(path: string, digest: string): string {
  const hex = digest.slice(HEX_START);
  return path.includes(hex) ? path.replaceAll(hex, '\0') : path;
}

/** The path a `packed_path` value stands for, in the row keyed by `digest`. */
export function unpackPath(packed: string, digest: string): string {
  return packed.includes('\0') ? packed.replaceAll('\0', digest.slice(HEX_START)) : packed;
}
