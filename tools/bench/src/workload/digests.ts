import { createHash } from 'node:crypto';

/** The `sha256:<64 hex>` digest of some bytes, as the registry computes it. */
export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * `count` distinct, valid, deterministic digests (the hash of `label` and the index), for
 * benchmarks that need many keys and no files.
 */
export function syntheticDigests(count: number, label: string): string[] {
  const digests: string[] = new Array(count);
  for (let i = 0; i < count; i++) digests[i] = sha256Digest(`${label}:${i}`);
  return digests;
}
