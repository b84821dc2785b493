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
