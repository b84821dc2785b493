import { InvalidArgumentError } from './errors.js';
import type { LayerMeta } from './types.js';

// Validation runs on every call of every adapter, so it is hand-written character scanning over
// the grammars of DESIGN.md §3 instead of regular expressions, and remembers recently accepted
// strings (a registry asks about the same few thousand repositories and digests all day). The
// memos hold only strings that passed the full check, so they can never accept a bad one.

/** Longest repository name accepted (OCI distribution-spec). */
export const MAX_REPOSITORY_LENGTH = 255;
/** Longest `LayerMeta.path` accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4096;
// Longer than any supported digest ("sha512:" + 128) with room for a descriptive error about a
// well-formed digest of an unknown algorithm; anything longer is rejected before it is scanned.
const MAX_DIGEST_LENGTH = 255;
const MEMO_LIMIT = 16_384;

/** Digest algorithms accepted, with the length of their lower-case hex encoding. */
export const SUPPORTED_DIGEST_ALGORITHMS: Readonly<Record<string, number>> = Object.freeze({
  sha256: 64,
  sha384: 96,
  sha512: 128,
  blake3: 64,
});

const validRepositories = new Set<string>();

// Digests are remembered in a small table indexed by their first hex digits, two per bucket, not
// in a Set: the working set of digests can be far larger than any memo (a million blobs), and then
// a Set misses on almost every call and pays for it — each miss compares against other remembered
// strings scattered over the heap, and every refill after a clear rehashes them all. A hit costs
// one or two comparisons, with the very string object in the common case, and a miss costs only
// the scan of the digest itself. Two per bucket, most recent first, because a digest sharing a
// bucket with another hot one would otherwise evict it on every other call. Fixed size: 512 KiB
// of slots, at most 65,536 strings kept alive.
const DIGEST_SLOTS = 1 << 16;
// Empty slots hold `undefined`, which no string equals (an empty string must not pass as remembered).
const recentDigests = new Array<string | undefined>(DIGEST_SLOTS).fill(undefined);
// Every supported algorithm's name has six characters, so hex digits start at index 7.
const FIRST_HEX = 7;

/**
 * The first of the two slots of a digest's bucket: its four hex digits after the colon, the last
 * bit cleared (anything for other strings).
 */
function digestBucket(digest: string): number {
  let slot = 0;
  for (let i = FIRST_HEX; i < FIRST_HEX + 4; i++) {
    const c = digest.charCodeAt(i);
    // '0'-'9' → 0-9, 'a'-'f' → 10-15; other characters land anywhere, the full check rejects them.
    slot = (slot << 4) | (((c & 0xf) + (c >> 6) * 9) & 0xf);
  }
  return slot & ~1;
}

function remember(memo: Set<string>, value: string): void {
  // Clearing wholesale is cheaper than LRU bookkeeping and the hot set refills within a tick.
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.add(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

function isLowerHex(c: number): boolean {
  return (c >= 0x61 && c <= 0x66) || (c >= 0x30 && c <= 0x39);
}

/** Returns why `name` is not a repository name, or `undefined` when it is one. */
function repositoryProblem(name: string): string | undefined {
  const n = name.length;
  if (n === 0) return 'repository name must not be empty';
  if (n > MAX_REPOSITORY_LENGTH) {
    return `repository name is ${n} characters long; the limit is ${MAX_REPOSITORY_LENGTH}`;
  }
  let i = 0;
  while (i < n) {
    // A path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    if (!isLowerAlnum(name.charCodeAt(i))) return componentStartProblem(name, i);
    while (i < n && isLowerAlnum(name.charCodeAt(i))) i++;
    while (i < n) {
      const c = name.charCodeAt(i);
      if (c === 0x2f /* / */) break;
      const start = i;
      if (c === 0x2e /* . */) i++;
      else if (c === 0x5f /* _ */) i += name.charCodeAt(i + 1) === 0x5f ? 2 : 1;
      else if (c === 0x2d /* - */) while (name.charCodeAt(i) === 0x2d) i++;
      else return badCharacter(name, i);
      if (i >= n || !isLowerAlnum(name.charCodeAt(i))) {
        if (i < n && name.charCodeAt(i) !== 0x2f && !isSeparator(name.charCodeAt(i))) {
          return badCharacter(name, i);
        }
        return `repository name ${quote(name)} has a misplaced separator ${quote(name.slice(start, i + 1))} at index ${start}: separators (. _ __ -) must stand between lower-case letters or digits`;
      }
      while (i < n && isLowerAlnum(name.charCodeAt(i))) i++;
    }
    if (i < n) {
      i++; // the slash
      if (i === n) return `repository name ${quote(name)} must not end with "/"`;
    }
  }
  return undefined;
}

function isSeparator(c: number): boolean {
  return c === 0x2e || c === 0x5f || c === 0x2d;
}

function componentStartProblem(name: string, i: number): string {
  const c = name.charCodeAt(i);
  if (c === 0x2f) {
    return i === 0
      ? `repository name ${quote(name)} must not start with "/"`
      : `repository name ${quote(name)} has an empty path component ("//") at index ${i - 1}`;
  }
  if (isSeparator(c)) {
    return `repository name ${quote(name)} has a path component starting with ${quote(name[i]!)} at index ${i}: components start with a lower-case letter or digit`;
  }
  return badCharacter(name, i);
}

function badCharacter(name: string, i: number): string {
  const ch = String.fromCodePoint(name.codePointAt(i)!);
  const hint =
    ch.toLowerCase() !== ch
      ? ': repository names are lower case'
      : ': only lower-case letters, digits, ".", "_", "__", "-" and "/" are allowed';
  return `repository name ${quote(name)} has an invalid character ${JSON.stringify(ch)} at index ${i}${hint}`;
}

/** Returns why `digest` is not a supported digest, or `undefined` when it is one. */
function digestProblem(digest: string): string | undefined {
  const n = digest.length;
  if (n === 0) return 'digest must not be empty';
  if (n > MAX_DIGEST_LENGTH) {
    return `digest is ${n} characters long; no supported digest is longer than ${MAX_DIGEST_LENGTH}`;
  }
  const colon = digest.indexOf(':');
  if (colon === -1) {
    return `digest ${quote(digest)} is malformed: expected "algorithm:encoded", e.g. "sha256:" followed by 64 hex characters`;
  }
  // algorithm: [a-z0-9]+([+._-][a-z0-9]+)*
  let i = 0;
  let expectAlnum = true;
  for (; i < colon; i++) {
    const c = digest.charCodeAt(i);
    if (isLowerAlnum(c)) expectAlnum = false;
    else if (!expectAlnum && (c === 0x2b || c === 0x2e || c === 0x5f || c === 0x2d)) {
      expectAlnum = true;
    } else break;
  }
  if (i < colon || expectAlnum) {
    return `digest ${quote(digest)} is malformed: the algorithm ${quote(digest.slice(0, colon))} must be lower-case letters and digits, optionally joined by + . _ -`;
  }
  // encoded: [a-zA-Z0-9=_-]+
  if (colon === n - 1) return `digest ${quote(digest)} is malformed: nothing follows the colon`;
  for (i = colon + 1; i < n; i++) {
    const c = digest.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x3d ||
      c === 0x5f ||
      c === 0x2d;
    if (!ok) {
      return `digest ${quote(digest)} is malformed: invalid character ${JSON.stringify(String.fromCodePoint(digest.codePointAt(i)!))} at index ${i}`;
    }
  }
  const algorithm = digest.slice(0, colon);
  const hexLength = Object.hasOwn(SUPPORTED_DIGEST_ALGORITHMS, algorithm)
    ? SUPPORTED_DIGEST_ALGORITHMS[algorithm]
    : undefined;
  if (hexLength === undefined) {
    return `digest ${quote(digest)} uses the unsupported algorithm ${quote(algorithm)}; supported: ${Object.keys(SUPPORTED_DIGEST_ALGORITHMS).join(', ')}`;
  }
  if (n - colon - 1 !== hexLength) {
    return `digest ${quote(digest)} is invalid: a ${algorithm} digest has ${hexLength} hex characters, this one has ${n - colon - 1}`;
  }
  for (i = colon + 1; i < n; i++) {
    if (!isLowerHex(digest.charCodeAt(i))) {
      return `digest ${quote(digest)} is invalid: a ${algorithm} digest is lower-case hex (0-9, a-f), found ${JSON.stringify(digest[i])} at index ${i}`;
    }
  }
  return undefined;
}

/**
 * Checks a repository name against the OCI distribution-spec grammar (at most 255 characters).
 *
 * @throws {@link InvalidArgumentError} with `argument: "repo"` and a message naming the problem.
 * @example
 * ```ts
 * validateRepository('library/ubuntu'); // ok
 * validateRepository('Library/Ubuntu'); // throws: repository names are lower case
 * ```
 */
export function validateRepository(repo: unknown): asserts repo is string {
  // Only strings that passed are remembered, so a hit needs no other check. Kept tiny so that it
  // inlines into every caller; the full check lives in its own function.
  if (!validRepositories.has(repo as string)) checkRepository(repo);
}

function checkRepository(repo: unknown): void {
  if (typeof repo !== 'string') {
    throw new InvalidArgumentError(
      'repo',
      `repository name must be a string, got ${describe(repo)}`,
    );
  }
  const problem = repositoryProblem(repo);
  if (problem !== undefined) throw new InvalidArgumentError('repo', problem);
  remember(validRepositories, repo);
}

/**
 * Checks a digest: `algorithm:encoded` per the OCI image-spec, of a supported algorithm
 * (`sha256`, `sha384`, `sha512`, `blake3`) with its exact lower-case hex length.
 *
 * @throws {@link InvalidArgumentError} with `argument: "digest"`; the message tells a malformed
 *   digest from a well-formed one of an unsupported algorithm.
 * @example
 * ```ts
 * validateDigest(`sha256:${'a'.repeat(64)}`); // ok
 * validateDigest(`md5:${'a'.repeat(32)}`);    // throws: unsupported algorithm "md5"
 * ```
 */
export function validateDigest(digest: unknown): asserts digest is string {
  // Kept tiny so that it inlines into every caller; the full check lives in its own function.
  if (typeof digest === 'string') {
    const bucket = digestBucket(digest);
    if (recentDigests[bucket] === digest || recentDigests[bucket + 1] === digest) return;
  }
  checkDigest(digest);
}

// The digest nearly every registry request carries, checked in one pass: a working set of digests
// larger than the memo must not pay for the general grammar on every call.
function isSha256(digest: string): boolean {
  if (digest.length !== 71 || !digest.startsWith('sha256:')) return false;
  for (let i = 7; i < 71; i++) {
    if (!isLowerHex(digest.charCodeAt(i))) return false;
  }
  return true;
}

function checkDigest(digest: unknown): void {
  if (typeof digest !== 'string') {
    throw new InvalidArgumentError('digest', `digest must be a string, got ${describe(digest)}`);
  }
  if (!isSha256(digest)) {
    const problem = digestProblem(digest);
    if (problem !== undefined) throw new InvalidArgumentError('digest', problem);
  }
  const bucket = digestBucket(digest);
  recentDigests[bucket + 1] = recentDigests[bucket];
  recentDigests[bucket] = digest;
}

/**
 * Checks a {@link LayerMeta} and returns the frozen copy that gets stored: only `path` and
 * `length`, read from the object's own properties (a prototype cannot smuggle them in).
 *
 * @throws {@link InvalidArgumentError} with `argument: "meta"` and a message naming the problem.
 * @example
 * ```ts
 * const meta = validateLayerMeta({ path: '/blobs/data', length: 42, extra: true });
 * // meta is { path: '/blobs/data', length: 42 }, frozen
 * ```
 */
export function validateLayerMeta(meta: unknown): LayerMeta {
  if (typeof meta !== 'object' || meta === null) {
    throw new InvalidArgumentError(
      'meta',
      `meta must be an object like { path, length }, got ${describe(meta)}`,
    );
  }
  let isArray: boolean;
  let proto: unknown;
  let path: unknown;
  let length: unknown;
  try {
    isArray = Array.isArray(meta);
    proto = Object.getPrototypeOf(meta);
    path = Object.hasOwn(meta, 'path') ? (meta as { path: unknown }).path : undefined;
    length = Object.hasOwn(meta, 'length') ? (meta as { length: unknown }).length : undefined;
  } catch (error) {
    // A getter or a Proxy trap that throws is the caller's bug, not a backend failure.
    throw new InvalidArgumentError('meta', 'reading meta threw (a getter or a Proxy trap failed)', {
      cause: error,
    });
  }
  if (isArray) {
    throw new InvalidArgumentError(
      'meta',
      'meta must be an object like { path, length }, got an array',
    );
  }
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidArgumentError(
      'meta',
      'meta must be a plain object like { path, length }, not a class instance',
    );
  }
  if (typeof path !== 'string') {
    throw new InvalidArgumentError(
      'meta',
      `meta.path must be a string, got ${path === undefined ? 'nothing' : describe(path)}`,
    );
  }
  if (path.length === 0) throw new InvalidArgumentError('meta', 'meta.path must not be empty');
  if (path.includes('\0')) {
    throw new InvalidArgumentError('meta', 'meta.path must not contain a NUL character');
  }
  if (!path.isWellFormed()) {
    // A lone surrogate has no UTF-8 form, so it could not round-trip through any backend.
    throw new InvalidArgumentError(
      'meta',
      'meta.path is not valid Unicode (it has a lone surrogate)',
    );
  }
  // Each UTF-16 unit is 1 to 3 UTF-8 bytes, so short paths need no byte count.
  if (path.length * 3 > MAX_PATH_BYTES) {
    const bytes = Buffer.byteLength(path, 'utf8');
    if (bytes > MAX_PATH_BYTES) {
      throw new InvalidArgumentError(
        'meta',
        `meta.path is ${bytes} UTF-8 bytes long; the limit is ${MAX_PATH_BYTES}`,
      );
    }
  }
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(
      'meta',
      `meta.length must be a non-negative safe integer, got ${typeof length === 'number' ? String(length) : length === undefined ? 'nothing' : describe(length)}`,
    );
  }
  // `+ 0` turns -0 into 0, which is what every backend would give back.
  return Object.freeze({ path, length: length + 0 });
}

/** `true` when `repo` is a valid repository name. Never throws. */
export function isValidRepository(repo: unknown): repo is string {
  return (
    typeof repo === 'string' &&
    (validRepositories.has(repo) || repositoryProblem(repo) === undefined)
  );
}

/** `true` when `digest` is a valid digest of a supported algorithm. Never throws. */
export function isValidDigest(digest: unknown): digest is string {
  if (typeof digest !== 'string') return false;
  const bucket = digestBucket(digest);
  return (
    recentDigests[bucket] === digest ||
    recentDigests[bucket + 1] === digest ||
    digestProblem(digest) === undefined
  );
}
