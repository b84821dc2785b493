import { createHash } from 'node:crypto';

/** A deterministic, valid sha256 digest for a label: tests read as `digest('base-layer')`. */
export function digest(label: string | number, algorithm = 'sha256'): string {
  const node = algorithm === 'blake3' ? 'sha256' : algorithm;
  return `${algorithm}:${createHash(node).update(String(label)).digest('hex')}`;
}

/** Shortens a digest for test names and failure messages. */
export function short(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? value : `${value.slice(0, colon + 9)}…`;
}

export const MAX_REPO = 'a'.repeat(255);
// 255 characters made of many short components: the longest name of another shape.
export const MAX_REPO_NESTED = `${'ab/'.repeat(84)}abc`;

/** Values that must round-trip exactly. */
export const EDGE_METAS: ReadonlyArray<readonly [string, { path: string; length: number }]> = [
  ['length 0', { path: '/blobs/empty', length: 0 }],
  ['length Number.MAX_SAFE_INTEGER', { path: '/blobs/huge', length: Number.MAX_SAFE_INTEGER }],
  ['length 2^32 (past 32-bit integers)', { path: '/blobs/4g', length: 2 ** 32 }],
  ['a one-character path', { path: 'x', length: 1 }],
  ['a path of 4096 ASCII bytes', { path: 'p'.repeat(4096), length: 7 }],
  ['a path of 4096 UTF-8 bytes in 2-byte characters', { path: 'é'.repeat(2048), length: 7 }],
  ['a path of 4096 UTF-8 bytes in 4-byte characters', { path: '🐳'.repeat(1024), length: 7 }],
  ['a path with CJK, combining marks and emoji', { path: '/blobs/层/é/🐋/Å', length: 9 }],
  ['a path with spaces, quotes, newlines and tabs', { path: ' a "b" \'c\'\n\td ', length: 3 }],
  ['a path that looks like JSON', { path: '{"path":"x","length":1}', length: 4 }],
  ['a path with separators used in key layouts', { path: 'a:b|c{d}e/f\\g*h?%', length: 5 }],
  ['a path that looks like a number', { path: '12345', length: 12345 }],
  ['a path of U+FFFF and U+10FFFF', { path: '\uffff\u{10ffff}', length: 1 }],
];

/** The supported algorithms and the length of their hex part. */
export const ALGORITHMS: ReadonlyArray<readonly [algorithm: string, hexLength: number]> = [
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
  ['blake3', 64],
];

/** `length` deterministic lowercase hex characters for a label. */
export function hexOf(label: string, length: number): string {
  let hex = '';
  for (let i = 0; hex.length < length; i++) {
    hex += createHash('sha512').update(`${label}#${i}`).digest('hex');
  }
  return hex.slice(0, length);
}

const flip = (c: string) => (c === '0' ? '1' : '0');

/**
 * Digests an adapter must keep apart, though a key made of a prefix of the hex, or of the hex
 * without its algorithm, would merge some of them: the same hex under sha256 and blake3, sha384
 * and sha512 digests sharing their first 64 or 96 hex characters, digests differing only in
 * their last character. Each comes with a name for failure messages.
 */
export function confusableDigests(
  label: string,
): ReadonlyArray<readonly [name: string, digest: string]> {
  const h = hexOf(label, 128);
  const other = hexOf(`${label}/other`, 128);
  return [
    ['sha256 H[0:64]', `sha256:${h.slice(0, 64)}`],
    ['blake3 H[0:64] (same hex as the sha256)', `blake3:${h.slice(0, 64)}`],
    ['sha384 H[0:96]', `sha384:${h.slice(0, 96)}`],
    ['sha512 H', `sha512:${h}`],
    ['sha512 H[0:96] + other', `sha512:${h.slice(0, 96)}${other.slice(0, 32)}`],
    ['sha384 H[0:64] + other', `sha384:${h.slice(0, 64)}${other.slice(0, 32)}`],
    ['sha512 H[0:64] + other', `sha512:${h.slice(0, 64)}${other.slice(0, 64)}`],
    ['sha256 H[0:63] + last character changed', `sha256:${h.slice(0, 63)}${flip(h[63]!)}`],
    ['sha512 H[0:127] + last character changed', `sha512:${h.slice(0, 127)}${flip(h[127]!)}`],
    ['blake3 other[0:64]', `blake3:${other.slice(0, 64)}`],
  ];
}
