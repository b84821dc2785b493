import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidArgumentError,
  isInvalidArgumentError,
  isValidDigest,
  isValidRepository,
  MAX_PATH_BYTES,
  MAX_REPOSITORY_LENGTH,
  SUPPORTED_DIGEST_ALGORITHMS,
  validateDigest,
  validateLayerMeta,
  validateRepository,
} from '../src/index.js';

// The grammars of DESIGN.md §3, written as regular expressions exactly as the contract states
// them. The validators are hand-written scanners; the property tests below hold them to these.
const REPOSITORY_GRAMMAR =
  /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const DIGEST_GRAMMAR = /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128, blake3: 64 };

const hex = (length: number) => '0123456789abcdef'.repeat(Math.ceil(length / 16)).slice(0, length);
const sha256 = `sha256:${hex(64)}`;

/** Runs `check` and returns the InvalidArgumentError it must throw. */
function rejection(check: () => unknown): InvalidArgumentError {
  try {
    check();
  } catch (error) {
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected the check to throw an InvalidArgumentError, but it passed');
}

function expectRepoRejected(repo: unknown, problem: RegExp): void {
  const error = rejection(() => validateRepository(repo));
  expect(error.argument).toBe('repo');
  expect(error.message).toMatch(/repository name/);
  expect(error.message).toMatch(problem);
  expect(isValidRepository(repo)).toBe(false);
}

function expectDigestRejected(digest: unknown, problem: RegExp): InvalidArgumentError {
  const error = rejection(() => validateDigest(digest));
  expect(error.argument).toBe('digest');
  expect(error.message).toMatch(/digest/);
  expect(error.message).toMatch(problem);
  expect(isValidDigest(digest)).toBe(false);
  return error;
}

function expectMetaRejected(meta: unknown, problem: RegExp): void {
  const error = rejection(() => validateLayerMeta(meta));
  expect(error.argument).toBe('meta');
  expect(error.message).toMatch(/meta/);
  expect(error.message).toMatch(problem);
}

describe('validateRepository', () => {
  it.each([
    'a',
    '0',
    'ubuntu',
    'library/ubuntu',
    'a/b/c/d/e',
    'my.registry/team/app',
    'foo_bar',
    'foo__bar',
    'foo-bar',
    'foo---bar',
    'a.b_c__d-e--f',
    '123/456',
    'x0/y1-z2',
  ])('accepts the OCI repository name %j', (repo) => {
    expect(() => validateRepository(repo)).not.toThrow();
    expect(isValidRepository(repo)).toBe(true);
  });

  it('accepts a name of exactly 255 characters', () => {
    const repo = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    expect(repo).toHaveLength(MAX_REPOSITORY_LENGTH);
    expect(() => validateRepository(repo)).not.toThrow();
  });

  it('rejects a name of 256 characters, naming the limit', () => {
    expectRepoRejected('a'.repeat(256), /256 characters.*limit is 255/);
  });

  it('rejects the empty string', () => {
    expectRepoRejected('', /must not be empty/);
  });

  it.each([
    ['"::"', 'a::b'],
    ['a lone ":"', 'a:b'],
    ['"{"', 'a{b'],
    ['"}"', 'a}b'],
    ['"*"', 'a*'],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['NUL', 'a\0b'],
    ['"@"', 'a@sha256'],
    ['a non-ASCII letter', 'café'],
    ['"\\\\"', 'a\\b'],
  ])('rejects %s as an invalid character', (_, repo) => {
    expectRepoRejected(repo, /invalid character/);
  });

  it.each(['Ubuntu', 'library/Ubuntu', 'aBc', 'ÉCOLE'])(
    'rejects upper case in %j, saying names are lower case',
    (repo) => {
      expectRepoRejected(repo, /lower case/);
    },
  );

  it('rejects a leading "/"', () => {
    expectRepoRejected('/library/ubuntu', /must not start with "\/"/);
  });

  it('rejects a trailing "/"', () => {
    expectRepoRejected('library/ubuntu/', /must not end with "\/"/);
  });

  it('rejects "//", naming the empty path component', () => {
    expectRepoRejected('library//ubuntu', /empty path component/);
  });

  it.each([
    ['".."', 'a..b'],
    ['"___"', 'a___b'],
    ['"._"', 'a._b'],
    ['"-_"', 'a-_b'],
    ['"_-"', 'a_-b'],
    ['"-."', 'a-.b'],
  ])('rejects the separator run %s', (_, repo) => {
    expectRepoRejected(repo, /misplaced separator/);
  });

  it.each(['a.', 'a_', 'a__', 'a-', 'a---', 'a./b', 'a-/b'])(
    'rejects %j: a separator must be followed by a letter or digit',
    (repo) => {
      expectRepoRejected(repo, /misplaced separator/);
    },
  );

  it.each(['.a', '_a', '-a', '..', '.', 'a/.b', 'a/-b', 'a/_b', 'a/../b'])(
    'rejects %j: a path component must start with a letter or digit',
    (repo) => {
      expectRepoRejected(repo, /component starting with/);
    },
  );

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a bigint', 1n],
    ['a boolean', true],
    ['a symbol', Symbol('repo')],
    ['an object', { toString: () => 'library/ubuntu' }],
    ['a String object', new String('library/ubuntu')],
    ['an array', ['library/ubuntu']],
  ])('rejects %s, saying it must be a string', (_, repo) => {
    expectRepoRejected(repo, /must be a string/);
  });

  it('checks the length before scanning: a 1 MB name is rejected in microseconds', () => {
    const huge = 'a'.repeat(1 << 20);
    expectRepoRejected(huge, /limit is 255/);
    // Scanning 1 MB takes about a millisecond; 1000 rejections that scanned would take a second.
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(isValidRepository(huge)).toBe(false);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('quotes a long bad name shortened in the message', () => {
    const error = rejection(() => validateRepository(`${'a'.repeat(200)}/B`));
    expect(error.message).toContain('…');
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('validateDigest', () => {
  it.each(Object.entries(HEX_LENGTHS))('accepts %s with exactly %i hex characters', (alg, n) => {
    const digest = `${alg}:${hex(n)}`;
    expect(() => validateDigest(digest)).not.toThrow();
    expect(isValidDigest(digest)).toBe(true);
  });

  it('supports exactly the four algorithms of the contract with their hex lengths', () => {
    expect({ ...SUPPORTED_DIGEST_ALGORITHMS }).toEqual(HEX_LENGTHS);
    expect(Object.isFrozen(SUPPORTED_DIGEST_ALGORITHMS)).toBe(true);
  });

  it.each(
    Object.entries(HEX_LENGTHS).flatMap(([alg, n]) => [
      [alg, n - 1],
      [alg, n + 1],
    ]),
  )('rejects %s with %i hex characters, naming the expected count', (alg, n) => {
    expectDigestRejected(
      `${alg}:${hex(n)}`,
      new RegExp(`${alg} digest has ${HEX_LENGTHS[alg]} hex characters, this one has ${n}`),
    );
  });

  it('rejects upper-case hex as invalid, not malformed', () => {
    const error = expectDigestRejected(`sha256:${hex(64).toUpperCase()}`, /lower-case hex/);
    expect(error.message).not.toMatch(/malformed|unsupported/);
  });

  it('rejects an encoded part of the right length that is not hex', () => {
    expectDigestRejected(`sha256:${'g'.repeat(64)}`, /lower-case hex.*"g"/);
  });

  it.each([
    ['no colon', hex(64)],
    ['an empty algorithm', `:${hex(64)}`],
    ['nothing after the colon', 'sha256:'],
    ['an upper-case algorithm', `SHA256:${hex(64)}`],
    ['an algorithm ending in a separator', `sha256+:${hex(64)}`],
    ['an algorithm starting with a separator', `-sha256:${hex(64)}`],
    ['two separators in a row in the algorithm', `sha256+-b64:${hex(64)}`],
    ['a second colon', `sha256:${hex(32)}:${hex(31)}`],
    ['a slash in the encoded part', `sha256:${hex(32)}/${hex(31)}`],
    ['whitespace', `sha256: ${hex(63)}`],
    ['a trailing newline', `sha256:${hex(64)}\n`],
    ['NUL', `sha256:${hex(63)}\0`],
    ['a "{" (key injection)', `sha256:{${hex(62)}}`],
  ])('rejects a digest with %s as malformed', (_, digest) => {
    expectDigestRejected(digest, /malformed/);
  });

  it.each([
    ['md5', `md5:${hex(32)}`],
    ['sha1', `sha1:${hex(40)}`],
    ['a multi-part algorithm', `sha256+b64u:${'LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564'}`],
    ['"constructor" (an Object.prototype key)', 'constructor:abc'],
    ['"tostring"', 'tostring:abc'],
  ])('rejects %s as well-formed but unsupported, listing what is supported', (_, digest) => {
    const error = expectDigestRejected(digest, /unsupported algorithm/);
    expect(error.message).toContain('sha256, sha384, sha512, blake3');
    expect(error.message).not.toMatch(/malformed/);
  });

  it('rejects the empty string', () => {
    expectDigestRejected('', /must not be empty/);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 256],
    ['a String object', new String(sha256)],
    ['a Buffer', Buffer.from(sha256)],
    ['an object', { algorithm: 'sha256', hex: hex(64) }],
  ])('rejects %s, saying it must be a string', (_, digest) => {
    expectDigestRejected(digest, /must be a string/);
  });

  // The memo of accepted digests is a table indexed by the first four hex digits: what shares a
  // slot with a remembered digest must still get the full check.
  it('rejects a digest whose first hex digits are those of a remembered one', () => {
    const remembered = `sha256:abcd${hex(60)}`;
    validateDigest(remembered);
    expectDigestRejected(`sha256:abcd${hex(59)}G`, /lower-case hex/);
    expectDigestRejected(`sha256:abcd${hex(59)}`, /has 64 hex characters, this one has 63/);
    expectDigestRejected(`md5:abcd${hex(28)}`, /unsupported algorithm/);
    expect(() => validateDigest(remembered)).not.toThrow();
  });

  it('accepts a remembered digest passed as another string with the same characters', () => {
    const first = `sha512:${hex(128)}`;
    validateDigest(first);
    const copy = [...first].join('');
    expect(copy).toBe(first);
    expect(() => validateDigest(copy)).not.toThrow();
    expect(isValidDigest(copy)).toBe(true);
  });

  it('rejects the empty string and short strings even before any digest was remembered', async () => {
    // A fresh copy of the module: its memo has never held anything.
    vi.resetModules();
    const fresh = await import('../src/validate.js');
    for (const digest of ['', 'sha', 'sha256:', 'sha256:abc']) {
      expect(() => fresh.validateDigest(digest)).toThrow(/digest/);
      expect(fresh.isValidDigest(digest)).toBe(false);
    }
  });

  it('checks the length before scanning: a 1 MB digest is rejected in microseconds', () => {
    const huge = `sha256:${'a'.repeat(1 << 20)}`;
    expectDigestRejected(huge, /characters long/);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(isValidDigest(huge)).toBe(false);
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('validateLayerMeta', () => {
  const meta = { path: '/docker/registry/v2/blobs/sha256/01/0123/data', length: 2_811_478 };

  it('returns a frozen copy holding exactly path and length', () => {
    const stored = validateLayerMeta(meta);
    expect(stored).toEqual(meta);
    expect(stored).not.toBe(meta);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
  });

  it('drops extra fields', () => {
    const stored = validateLayerMeta({ ...meta, mediaType: 'x', digest: sha256 });
    expect(Object.keys(stored).sort()).toEqual(['length', 'path']);
  });

  it('is not affected by changes to the input after validation', () => {
    const input = { ...meta };
    const stored = validateLayerMeta(input);
    input.path = '/elsewhere';
    input.length = 1;
    expect(stored).toEqual(meta);
  });

  it('accepts an object with a null prototype', () => {
    const bare = Object.assign(Object.create(null) as object, meta);
    expect(validateLayerMeta(bare)).toEqual(meta);
  });

  it('reads each field once, so a getter cannot pass the check with one value and store another', () => {
    let reads = 0;
    const tricky = {
      get path() {
        reads++;
        return reads === 1 ? '/ok' : '';
      },
      length: 1,
    };
    expect(validateLayerMeta(tricky)).toEqual({ path: '/ok', length: 1 });
    expect(reads).toBe(1);
  });

  it.each([
    ['null', null, /got null/],
    ['undefined', undefined, /got undefined/],
    ['a string', '/path', /got a string/],
    ['a number', 1, /got a number/],
    ['an array', ['/path', 1], /got an array/],
    ['a function', () => meta, /got a function/],
  ])('rejects %s, asking for an object like { path, length }', (_, value, problem) => {
    expectMetaRejected(value, problem);
    expectMetaRejected(value, /\{ path, length \}/);
  });

  it('rejects a class instance', () => {
    class Meta {
      constructor(
        readonly path: string,
        readonly length: number,
      ) {}
    }
    expectMetaRejected(new Meta('/p', 1), /plain object/);
  });

  it('rejects a Map holding path and length', () => {
    expectMetaRejected(
      new Map<string, unknown>([
        ['path', '/p'],
        ['length', 1],
      ]),
      /plain object/,
    );
  });

  it('rejects fields inherited from a prototype', () => {
    expectMetaRejected(Object.create(meta), /plain object/);
  });

  it('rejects a JSON "__proto__" key that smuggles the fields in, and pollutes nothing', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"path": "/evil", "length": 1}}');
    expectMetaRejected(parsed, /meta\.path must be a string, got nothing/);
    expect(({} as { path?: unknown }).path).toBeUndefined();
  });

  it('stores nothing of a JSON "__proto__" key next to valid fields', () => {
    const parsed: unknown = JSON.parse(
      '{"path": "/p", "length": 1, "__proto__": {"polluted": true}}',
    );
    const stored = validateLayerMeta(parsed);
    expect(Object.keys(stored).sort()).toEqual(['length', 'path']);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect((stored as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  describe('length', () => {
    it.each([
      ['0', 0],
      ['1', 1],
      ['Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ])('accepts %s', (_, length) => {
      expect(validateLayerMeta({ path: '/p', length }).length).toBe(length);
    });

    it('turns -0 into 0, as every backend would return it', () => {
      const stored = validateLayerMeta({ path: '/p', length: -0 });
      expect(Object.is(stored.length, 0)).toBe(true);
    });

    it.each([
      ['NaN', Number.NaN, /got NaN/],
      ['Infinity', Number.POSITIVE_INFINITY, /got Infinity/],
      ['-Infinity', Number.NEGATIVE_INFINITY, /got -Infinity/],
      ['-1', -1, /got -1/],
      ['1.5', 1.5, /got 1\.5/],
      ['MAX_SAFE_INTEGER + 1', Number.MAX_SAFE_INTEGER + 1, /got 9007199254740992/],
      ['a numeric string', '1', /got a string/],
      ['a bigint', 1n, /got a bigint/],
      ['null', null, /got null/],
      ['a Number object', new Number(1), /got an object/],
    ])('rejects %s, saying it must be a non-negative safe integer', (_, length, problem) => {
      expectMetaRejected(
        { path: '/p', length },
        /meta\.length must be a non-negative safe integer/,
      );
      expectMetaRejected({ path: '/p', length }, problem);
    });

    it('rejects a missing length', () => {
      expectMetaRejected({ path: '/p' }, /meta\.length .*got nothing/);
    });
  });

  describe('path', () => {
    it('rejects an empty path', () => {
      expectMetaRejected({ path: '', length: 1 }, /meta\.path must not be empty/);
    });

    it('rejects a missing path', () => {
      expectMetaRejected({ length: 1 }, /meta\.path must be a string, got nothing/);
    });

    it.each([
      ['a number', 1, /got a number/],
      ['null', null, /got null/],
      ['a String object', new String('/p'), /got an object/],
    ])('rejects %s as path', (_, path, problem) => {
      expectMetaRejected({ path, length: 1 }, /meta\.path must be a string/);
      expectMetaRejected({ path, length: 1 }, problem);
    });

    it.each(['\0', '/a\0b', '/blob/data\0'])('rejects a NUL character in %j', (path) => {
      expectMetaRejected({ path, length: 1 }, /meta\.path must not contain a NUL/);
    });

    it.each([
      ['a lone high surrogate', '/a\uD800b'],
      ['a lone low surrogate', '/a\uDC00b'],
      ['a trailing high surrogate', '/a\uD83D'],
      ['reversed surrogates', '/\uDE00\uD83D'],
    ])('rejects %s, which has no UTF-8 form', (_, path) => {
      expectMetaRejected({ path, length: 1 }, /lone surrogate/);
    });

    it.each([
      ['ASCII', 'a'.repeat(4096)],
      ['2-byte characters', 'é'.repeat(2048)],
      ['3-byte characters', `${'€'.repeat(1365)}a`],
      ['4-byte characters (surrogate pairs)', '😀'.repeat(1024)],
      ['mixed widths', `${'😀'.repeat(1000)}${'€'.repeat(30)}é/abc`],
    ])('accepts exactly 4096 UTF-8 bytes of %s', (_, path) => {
      expect(Buffer.byteLength(path, 'utf8')).toBe(MAX_PATH_BYTES);
      expect(validateLayerMeta({ path, length: 1 }).path).toBe(path);
    });

    it.each([
      ['ASCII', 'a'.repeat(4097)],
      ['2-byte characters', `${'é'.repeat(2048)}a`],
      ['3-byte characters', `${'€'.repeat(1365)}aa`],
      ['4-byte characters (surrogate pairs)', `${'😀'.repeat(1024)}a`],
    ])('rejects 4097 UTF-8 bytes of %s, naming the byte count and limit', (_, path) => {
      expect(Buffer.byteLength(path, 'utf8')).toBe(MAX_PATH_BYTES + 1);
      expectMetaRejected({ path, length: 1 }, /4097 UTF-8 bytes long; the limit is 4096/);
    });

    it('accepts unicode, spaces and any punctuation but NUL', () => {
      const path = 'gs://bucket/δίσκος/データ/ blob {*}::?#%\\\n\t';
      expect(validateLayerMeta({ path, length: 1 }).path).toBe(path);
    });
  });
});

// The strongest check of the scanners: on strings drawn from the characters that matter, the
// validator accepts exactly what the contract's regular expression (plus its length and
// algorithm rules) accepts.
describe('validators agree with the DESIGN.md grammars', () => {
  const runs = { numRuns: 3000, seed: 20_260_101 };

  const alnum = fc.constantFrom(...'abcz0189');
  const separator = fc.constantFrom('.', '_', '__', '-', '--', '---');
  const component = fc
    .tuple(
      fc.string({ unit: alnum, minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(separator, fc.string({ unit: alnum, minLength: 1, maxLength: 6 })), {
        maxLength: 4,
      }),
    )
    .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
  const grammaticalName = fc
    .array(component, { minLength: 1, maxLength: 40 })
    .map((parts) => parts.join('/'));
  const nameNoise = fc.constantFrom(
    ...'abz09./_-',
    '/',
    '//',
    '__',
    '___',
    '..',
    'A',
    'Z',
    ':',
    '::',
    '{',
    '}',
    '*',
    ' ',
    '\0',
    '\n',
    'é',
    '\uD800',
  );
  const noisyName = fc.string({ unit: nameNoise, maxLength: 24 });
  /** A grammatical name with a few characters replaced, inserted or deleted. */
  const mutatedName = fc
    .tuple(
      grammaticalName,
      fc.array(fc.tuple(fc.nat(), fc.nat(2), nameNoise), { minLength: 1, maxLength: 3 }),
    )
    .map(([name, edits]) => {
      let s = name;
      for (const [at, kind, ch] of edits) {
        const i = at % (s.length + 1);
        if (kind === 0) s = s.slice(0, i) + ch + s.slice(i + 1);
        else if (kind === 1) s = s.slice(0, i) + ch + s.slice(i);
        else s = s.slice(0, i) + s.slice(i + 1);
      }
      return s;
    });

  /** Names right at the 255-character limit, where an off-by-one would hide. */
  const nameNearLimit = fc
    .tuple(component, fc.integer({ min: 250, max: 260 }))
    .map(([tail, length]) => `${'a'.repeat(Math.max(1, length - tail.length - 1))}/${tail}`);

  it('repository names: valid iff the anchored grammar matches and length ≤ 255', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(grammaticalName, noisyName, mutatedName, nameNearLimit), (repo) => {
        const expected = repo.length <= MAX_REPOSITORY_LENGTH && REPOSITORY_GRAMMAR.test(repo);
        let actual = true;
        try {
          validateRepository(repo);
        } catch (error) {
          expect(isInvalidArgumentError(error)).toBe(true);
          actual = false;
        }
        expect(actual).toBe(expected);
        expect(isValidRepository(repo)).toBe(expected);
        if (actual) accepted++;
      }),
      runs,
    );
    // Both outcomes must be well represented, or the property proves little.
    expect(accepted).toBeGreaterThan(runs.numRuns / 5);
    expect(accepted).toBeLessThan((runs.numRuns * 4) / 5);
  });

  const algorithm = fc.oneof(
    fc.constantFrom('sha256', 'sha384', 'sha512', 'blake3'),
    fc.constantFrom('md5', 'sha1', 'sha256+b64u', 'multihash+base58', 'SHA256', 'sha-', '', '+a'),
    fc.string({ unit: fc.constantFrom(...'as0269+._-A:'), maxLength: 10 }),
  );
  const encoded = fc.oneof(
    fc
      .constantFrom(63, 64, 65, 95, 96, 97, 127, 128, 129)
      .chain((n) =>
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n }),
      ),
    fc
      .constantFrom(64, 96, 128)
      .chain((n) =>
        fc.string({ unit: fc.constantFrom(...'0af9AFg=_-:/ \0'), minLength: n, maxLength: n }),
      ),
    fc.string({ unit: fc.constantFrom(...'0af9AFgz=_-:/ \0'), maxLength: 12 }),
  );
  const lowerHex = fc.constantFrom(...'0123456789abcdef');
  const supportedDigest = fc
    .constantFrom(...Object.entries(HEX_LENGTHS))
    .chain(([alg, n]) =>
      fc.string({ unit: lowerHex, minLength: n, maxLength: n }).map((h) => `${alg}:${h}`),
    );
  const digestNoise = fc.constantFrom(...'0af9AFgz:+._-=@/ \0', '::', 'sha256:');
  /** A supported digest with a few characters replaced, inserted or deleted. */
  const mutatedDigest = fc
    .tuple(
      supportedDigest,
      fc.array(fc.tuple(fc.nat(), fc.nat(2), digestNoise), { minLength: 1, maxLength: 2 }),
    )
    .map(([value, edits]) => {
      let s = value;
      for (const [at, kind, ch] of edits) {
        const i = at % (s.length + 1);
        if (kind === 0) s = s.slice(0, i) + ch + s.slice(i + 1);
        else if (kind === 1) s = s.slice(0, i) + ch + s.slice(i);
        else s = s.slice(0, i) + s.slice(i + 1);
      }
      return s;
    });
  const digest = fc.oneof(
    supportedDigest,
    mutatedDigest,
    fc
      .tuple(algorithm, fc.constantFrom(':', ':', ':', '', '::', '@'), encoded)
      .map((p) => p.join('')),
    fc.string({ unit: fc.constantFrom(...'sha256:0afAF+._-=@ '), maxLength: 80 }),
  );

  it('digests: valid iff well-formed, of a supported algorithm, with its exact lower-case hex length', () => {
    let accepted = 0;
    fc.assert(
      fc.property(digest, (value) => {
        const colon = value.indexOf(':');
        const alg = value.slice(0, Math.max(colon, 0));
        const hexLength = Object.hasOwn(HEX_LENGTHS, alg) ? HEX_LENGTHS[alg] : undefined;
        const wellFormed = DIGEST_GRAMMAR.test(value);
        const expected =
          wellFormed &&
          hexLength !== undefined &&
          new RegExp(`^[0-9a-f]{${hexLength}}$`).test(value.slice(colon + 1));
        expect(isValidDigest(value)).toBe(expected);
        if (expected) {
          expect(() => validateDigest(value)).not.toThrow();
          accepted++;
          return;
        }
        const error = rejection(() => validateDigest(value));
        // A malformed digest and a well-formed one of another algorithm get different messages.
        if (value.length === 0) expect(error.message).toMatch(/empty/);
        else if (!wellFormed) expect(error.message).toMatch(/malformed/);
        else if (hexLength === undefined) expect(error.message).toMatch(/unsupported algorithm/);
        else expect(error.message).toMatch(/is invalid: a [a-z0-9]+ digest/);
      }),
      runs,
    );
    expect(accepted).toBeGreaterThan(runs.numRuns / 10);
    expect(accepted).toBeLessThan(runs.numRuns / 2);
  });
});
