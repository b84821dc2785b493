import { isValidDigest } from '@layercache/core';

/** What a garbage-collection log says was deleted. */
export interface GcLog {
  /** Every deleted blob, once each, in the order the log lists them. */
  readonly digests: readonly string[];
  /** Deletion lines whose digest is not one the cache could hold (reported, not acted on). */
  readonly unreadable: readonly string[];
}

// distribution 2.x `registry garbage-collect` prints one line per blob it deletes (also with
// --dry-run, to stdout): "blob eligible for deletion: sha256:<hex>". Anything else — the mark
// phase, logrus lines, manifests — is not about blobs the cache describes.
const DELETION = /blob eligible for deletion: (\S+)/;

export function parseGcLog(text: string): GcLog {
  const digests = new Set<string>();
  const unreadable: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = DELETION.exec(line);
    if (match === null) continue;
    const digest = match[1]!;
    if (isValidDigest(digest)) digests.add(digest);
    else unreadable.push(line.trim());
  }
  return { digests: [...digests], unreadable };
}
