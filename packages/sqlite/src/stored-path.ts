import { HEX_START } from './digest-key.js';

// A blob's path usually spells out its digest: the Go registry keeps sha256:<hex> at
// `…/blobs/sha256/<first two hex>/<hex>/data`, and other registries' layouts do likewise. The row's
// key already holds the digest, so a path holding the digest's hex is stored as a BLOB: its UTF-8
// bytes with the first occurrence of the hex written as one 0 byte (64 bytes less per sha256
// meta). NUL is the one character no path holds (core refuses it), so the packed form always reads
// back to exactly the path written — a later occurrence of the hex simply stays as it is. A path
// without the hex stays TEXT, as written. A BLOB rather than TEXT with a NUL in it: SQLite's text
// functions and the shell's `.dump` stop at a NUL, a BLOB is copied byte for byte. Migration 3 → 4
// (migrations.ts) packs existing rows the same way in SQL.

/** What `packed_path` holds for `path`, the path of the blob `digest` (both validated by core). */
export function packPath(path: string, digest: string): string | Buffer {
  const hex = digest.slice(HEX_START);
  const at = path.indexOf(hex);
  if (at < 0) return path;
  return Buffer.from(`${path.slice(0, at)}\0${path.slice(at + hex.length)}`, 'utf8');
}

/** The path a `packed_path` value stands for, in the row keyed by `digest`. */
export function unpackPath(packed: string | Uint8Array, digest: string): string {
  if (typeof packed === 'string') return packed;
  const text = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('utf8');
  const at = text.indexOf('\0');
  return `${text.slice(0, at)}${digest.slice(HEX_START)}${text.slice(at + 1)}`;
}
