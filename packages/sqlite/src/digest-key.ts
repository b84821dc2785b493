// Digests are stored in binary: one byte naming the algorithm, then the raw hash bytes (33 bytes
// for a sha256 digest instead of its 71 characters). The codes are part of the file format:
// never renumber one, only append.

/** The byte that names each algorithm on disk, by the name core accepts. */
export const ALGORITHM_CODES: Readonly<Record<string, number>> = Object.freeze({
  sha256: 1,
  sha384: 2,
  sha512: 3,
  blake3: 4,
});

const NAMES: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = [];
  for (const [name, code] of Object.entries(ALGORITHM_CODES)) names[code] = name;
  return names;
})();

/** Every supported algorithm name is six characters long, so the hex always starts at 7. */
export const HEX_START = 7;

/**
 * The stored key of a digest core has already validated (`<algorithm>:<lower-case hex>` of the
 * algorithm's exact length). Written for the hot path: the algorithm is told by one character,
 * not by parsing. Throws on a digest of another algorithm or length, or with a character that is
 * not hex, rather than store a key that could stand for another digest. (Upper-case hex is not
 * looked for: core refuses it before any store runs.)
 */
export function encodeDigest(digest: string): Buffer {
  const code = algorithmCode(digest);
  const bytes = (digest.length - HEX_START) >>> 1;
  const key = Buffer.allocUnsafe(bytes + 1);
  key[0] = code;
  // Buffer's hex decoding stops at the first character that is not hex: a short write means the
  // digest was not what core lets through.
  if (key.write(digest.slice(HEX_START), 1, bytes, 'hex') !== bytes || code === 0) {
    throw new TypeError(`not a validated digest: ${JSON.stringify(digest.slice(0, 80))}`);
  }
  return key;
}

function algorithmCode(digest: string): number {
  if (digest.charCodeAt(6) !== 58 /* ':' */) return 0;
  // sha256 / sha384 / sha512 differ in their fourth character; blake3 starts with "b".
  switch (digest.charCodeAt(3)) {
    case 50 /* '2' */:
      return digest.startsWith('sha256') && digest.length === 71 ? 1 : 0;
    case 51 /* '3' */:
      return digest.startsWith('sha384') && digest.length === 103 ? 2 : 0;
    case 53 /* '5' */:
      return digest.startsWith('sha512') && digest.length === 135 ? 3 : 0;
    case 107 /* 'k' */:
      return digest.startsWith('blake3') && digest.length === 71 ? 4 : 0;
    default:
      return 0;
  }
}

/** The digest text a stored key stands for: the exact string that was encoded. */
export function decodeDigest(key: Uint8Array): string {
  const name = NAMES[key[0] ?? 0];
  if (name === undefined) throw new TypeError(`unknown digest algorithm code ${key[0]}`);
  return `${name}:${Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('hex')}`;
}
