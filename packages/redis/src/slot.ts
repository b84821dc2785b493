/**
 * Redis Cluster's key → slot mapping (CRC16/XMODEM of the key's bytes, or of its hash tag, mod
 * 16384), so that a revocation can be sent to its slot's master on a connection of its own.
 */

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!) & 0xffff;
  return crc;
}

/**
 * The slot of `key`: when the key holds a `{…}` with something between the first `{` and the
 * next `}`, only that part is hashed (Redis' hash tags).
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const tag = hashTag(bytes);
  return crc16(tag ?? bytes) % 16384;
}

/** Whether every key starting with `prefix` is in one slot (the prefix holds a hash tag). */
export function hasHashTag(prefix: string): boolean {
  return hashTag(Buffer.from(prefix, 'utf8')) !== undefined;
}

function hashTag(bytes: Buffer): Buffer | undefined {
  const open = bytes.indexOf(0x7b);
  if (open === -1) return undefined;
  const close = bytes.indexOf(0x7d, open + 1);
  return close > open + 1 ? bytes.subarray(open + 1, close) : undefined;
}

// ~160 000 candidates cover every slot; this bound is never reached in practice.
const MAX_MARKER_SEARCH = 1 << 20;

/**
 * Finds, for a slot, a key `<prefix>c:<n>` that lives in it (`undefined` when the prefix's hash
 * tag pins every key of the cache to another slot): a key of the cache's own prefix (so
 * an ACL limited to the prefix allows writing it) that is never a membership or meta key (those
 * are `r:` and `m:`), so `clear()` never treats it as an entry. Found by a sweep over `n` that is
 * remembered, ~160 000 hashes for all 16 384 slots, once.
 */
export function createSlotMarkers(prefix: string): (slot: number) => string | undefined {
  // A prefix with a hash tag puts every key of the cache in the tag's slot, markers included.
  if (hasHashTag(prefix)) {
    const pinned = keySlot(prefix);
    return (slot) => (slot === pinned ? `${prefix}c:0` : undefined);
  }
  const found = new Map<number, string>();
  let next = 0;
  return (slot) => {
    let marker = found.get(slot);
    while (marker === undefined && next < MAX_MARKER_SEARCH) {
      const candidate = `${prefix}c:${next++}`;
      const candidateSlot = keySlot(candidate);
      if (!found.has(candidateSlot)) found.set(candidateSlot, candidate);
      if (candidateSlot === slot) marker = candidate;
    }
    return marker;
  };
}
