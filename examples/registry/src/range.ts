/** The bytes a request asks for: `start` to `end` inclusive, as in `Content-Range`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Reads a single-range `Range` header against a blob of `length` bytes (RFC 9110 §14):
 *
 * - `undefined`: serve the whole blob (no header, another unit, a malformed value, or several
 *   ranges — a server may ignore a Range it does not support, and clients then get a 200);
 * - `'unsatisfiable'`: answer 416 with `Content-Range: bytes *\/<length>`;
 * - a {@link ByteRange}: answer 206 with those bytes.
 *
 * @example
 * ```ts
 * parseRange('bytes=0-99', 1000);   // { start: 0, end: 99 }
 * parseRange('bytes=-100', 1000);   // { start: 900, end: 999 }
 * parseRange('bytes=1000-', 1000);  // 'unsatisfiable'
 * ```
 */
export function parseRange(
  header: string | undefined,
  length: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // A suffix: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(first);
  const end = last === '' ? length - 1 : Math.min(Number(last), length - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= length) return 'unsatisfiable';
  return { start, end };
}
