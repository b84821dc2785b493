import { SUPPORTED_DIGEST_ALGORITHMS } from '@layercache/core';
import { describe, expect, it } from 'vitest';
import { ALGORITHM_CODES, decodeDigest, encodeDigest } from '../src/digest-key.js';
import { digest } from './support.js';

const algorithms = Object.keys(SUPPORTED_DIGEST_ALGORITHMS);

describe('stored digest keys', () => {
  it('every algorithm core accepts has a code on disk', () => {
    expect(Object.keys(ALGORITHM_CODES).sort()).toEqual([...algorithms].sort());
    expect(new Set(Object.values(ALGORITHM_CODES)).size).toBe(algorithms.length);
  });

  it.each(algorithms)(
    'a %s digest is its code and raw bytes, and decodes to the same text',
    (name) => {
      const text = digest(`round-trip-${name}`, name);
      const key = encodeDigest(text);
      expect(key[0]).toBe(ALGORITHM_CODES[name]);
      expect(key.subarray(1).toString('hex')).toBe(text.slice(name.length + 1));
      expect(key.length).toBe(1 + SUPPORTED_DIGEST_ALGORITHMS[name]! / 2);
      expect(decodeDigest(key)).toBe(text);
    },
  );

  it('the same hex under sha256 and blake3 gives two keys', () => {
    const hex = digest('same').slice(7);
    expect(encodeDigest(`sha256:${hex}`).equals(encodeDigest(`blake3:${hex}`))).toBe(false);
  });

  it.each([
    ['a character that is not hex', `sha256:${'0'.repeat(63)}g`],
    ['a sha256 digest one character short', `sha256:${'0'.repeat(63)}`],
    ['a sha384 digest of sha256 length', `sha384:${'0'.repeat(64)}`],
    ['an unknown algorithm', `sha999:${'0'.repeat(64)}`],
    ['no algorithm', '0'.repeat(71)],
  ])('refuses %s rather than store a key for another digest', (_, text) => {
    expect(() => encodeDigest(text)).toThrow(TypeError);
  });

  it('refuses to decode an unknown algorithm code', () => {
    expect(() => decodeDigest(Buffer.from([9, 1, 2]))).toThrow(TypeError);
  });
});
