import type { LayerMeta } from '@layercache/core';

// What `maxSize` charges each entry: an estimate of the heap it really holds, measured with
// `node --expose-gc` (heap delta over 100,000 entries, see the README) and rounded up. Strings are
// charged per character: validated repository names and digests are ASCII, which V8 stores one
// byte per character. The repository name is shared by all memberships of a repository but is
// charged to each of them, so the estimate errs on the high side.

/** Bookkeeping per membership: its lru-cache slot, key map entry, index entry and record. */
export const MEMBERSHIP_OVERHEAD_BYTES = 176;
/** Bookkeeping per meta: its lru-cache slot, key map entry, the meta object and string headers. */
export const META_OVERHEAD_BYTES = 176;

// Any code unit above 0xFF makes V8 store the whole string two bytes per character.
const TWO_BYTE = /[\u0100-\uffff]/;

/** Approximate heap bytes one membership holds. */
export function membershipSize(repo: string, digest: string): number {
  return MEMBERSHIP_OVERHEAD_BYTES + repo.length + digest.length;
}

/** Approximate heap bytes one meta holds. */
export function metaSize(digest: string, meta: LayerMeta): number {
  const path = meta.path;
  return META_OVERHEAD_BYTES + digest.length + (TWO_BYTE.test(path) ? 2 : 1) * path.length;
}
