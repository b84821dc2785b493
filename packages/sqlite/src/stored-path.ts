import { HEX_START } from './digest-key.js';

// A blob's path usually spells out its digest: the Go registry keeps sha256:<hex> at
// `…/blobs/sha256/<first two hex>/<hex>/data`, and other registries' layouts do likewise. The row's
// key already holds the digest, so such a path is stored as the text before the first occurrence
// of the hex (`path_head`) and the text after it (`path_tail`): 64 bytes less per sha256 meta. A
// path without the hex is `path_head` alone, `path_tail` NULL. Plain TEXT either way, split where
// both this code and the migration's SQL find the hex, so nothing depends on how either language
// counts characters; and no marker character, so any path core accepts reads back exactly.

/** The columns (`path_head`, `path_tail`) for `path`, the path of the blob `digest`. */
export function packPath(path: string, digest: string): [head: string, tail: string | null] {
  const hex = digest.slice(HEX_START);
  const at = path.indexOf(hex);
  return at < 0 ? [path, null] : [path.slice(0, at), path.slice(at + hex.length)];
}

/** The path that `path_head` and `path_tail` stand for, in the row keyed by `digest`. */
export function unpackPath(head: string, tail: string | null, digest: string): string {
  return tail === null ? head : `${head}${digest.slice(HEX_START)}${tail}`;
}
