import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache } from '../types.js';
import { isValidDigest, isValidRepository } from '../validate.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';

const HEX = 'a'.repeat(64);

/** Repository names the OCI grammar rejects, with why. */
export const BAD_REPOSITORIES: ReadonlyArray<readonly [string, unknown]> = [
  ['empty', ''],
  ['upper case', 'Library/Ubuntu'],
  ['a space', 'library/ubu ntu'],
  ['a leading space', ' library'],
  ['a trailing newline', 'library\n'],
  ['a tab', 'lib\trary'],
  ['NUL', 'lib\0rary'],
  ['"::" (a key separator)', 'a::b'],
  ['a single ":"', 'a:b'],
  ['braces (a Redis hash tag)', 'a{b}'],
  ['"*" (a glob)', 'a*'],
  ['"?"', 'a?'],
  ['a leading "/"', '/library'],
  ['a trailing "/"', 'library/'],
  ['"//"', 'a//b'],
  ['".."', 'a..b'],
  ['"___"', 'a___b'],
  ['a leading "."', '.a'],
  ['a trailing "-"', 'a-'],
  ['a component starting with "_"', 'a/_b'],
  ['a path traversal', 'a/../b'],
  ['a backslash', 'a\\b'],
  ['"@"', 'a@b'],
  ['a percent escape', 'a%2fb'],
  ['a non-ASCII letter', 'caf\u00e9'],
  ['256 characters', 'a'.repeat(256)],
  ['a number', 42],
  ['undefined', undefined],
  ['null', null],
  ['an object', { toString: () => 'library' }],
  ['an array', ['library']],
];

/** Digests that are malformed, of the wrong length, or of an unsupported algorithm. */
export const BAD_DIGESTS: ReadonlyArray<readonly [string, unknown]> = [
  ['empty', ''],
  ['no algorithm', HEX],
  ['no encoded part', 'sha256:'],
  ['no algorithm before the colon', `:${HEX}`],
  ['63 hex characters', `sha256:${HEX.slice(1)}`],
  ['65 hex characters', `sha256:${HEX}a`],
  ['upper-case hex', `sha256:${'A'.repeat(64)}`],
  ['an upper-case algorithm', `SHA256:${HEX}`],
  ['non-hex characters', `sha256:${'g'.repeat(64)}`],
  ['a trailing newline', `sha256:${HEX}\n`],
  ['a leading space', ` sha256:${HEX}`],
  ['two colons', `sha256:${HEX.slice(2)}:a`],
  ['an unsupported algorithm (md5)', `md5:${'a'.repeat(32)}`],
  ['an unsupported algorithm (sha1)', `sha1:${'a'.repeat(40)}`],
  ['sha384 of sha256 length', `sha384:${HEX}`],
  ['sha512 of sha256 length', `sha512:${HEX}`],
  ['blake3 of sha512 length', `blake3:${'a'.repeat(128)}`],
  ['a megabyte string', `sha256:${'a'.repeat(1 << 20)}`],
  ['a number', 256],
  ['undefined', undefined],
  ['null', null],
];

class MetaClass {
  readonly path = '/class';
  readonly length = 1;
}

/** Metas that must be rejected. */
export const BAD_METAS: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['a string', '/blobs/x'],
  ['an array', ['/blobs/x', 1]],
  ['an empty object', {}],
  ['no length', { path: '/x' }],
  ['no path', { length: 1 }],
  ['an empty path', { path: '', length: 1 }],
  ['a path with NUL', { path: '/a\0b', length: 1 }],
  ['a non-string path', { path: 42, length: 1 }],
  ['a lone surrogate in the path', { path: '/a\ud800', length: 1 }],
  ['a path of 4097 UTF-8 bytes', { path: `${'é'.repeat(2048)}x`, length: 1 }],
  ['a negative length', { path: '/x', length: -1 }],
  ['a fractional length', { path: '/x', length: 1.5 }],
  ['a NaN length', { path: '/x', length: Number.NaN }],
  ['an infinite length', { path: '/x', length: Number.POSITIVE_INFINITY }],
  ['a length past MAX_SAFE_INTEGER', { path: '/x', length: Number.MAX_SAFE_INTEGER + 1 }],
  ['a string length', { path: '/x', length: '1' }],
  ['a bigint length', { path: '/x', length: 1n }],
  ['fields smuggled in through "__proto__"', JSON.parse('{"__proto__":{"path":"/p","length":1}}')],
  ['fields inherited from a prototype', Object.create({ path: '/p', length: 1 })],
  ['a class instance', new MetaClass()],
];

/** Valid keys a careless adapter could have derived from a bad one. */
function nearRepositories(bad: unknown): string[] {
  if (typeof bad !== 'string') return ['library'];
  const forms = [
    bad.toLowerCase(),
    bad.trim(),
    bad.replace(/[^a-z0-9._/-]/g, ''),
    bad.replace(/^\/+|\/+$/g, ''),
    bad.replace(/\/+/g, '/'),
    bad.slice(0, 255),
  ];
  return [...new Set(forms)].filter(isValidRepository);
}

function nearDigests(bad: unknown): string[] {
  if (typeof bad !== 'string') return [digest('probe')];
  const forms = [bad.toLowerCase(), bad.trim(), bad.slice(0, 71), bad.replace(/\s/g, '')];
  return [...new Set(forms)].filter(isValidDigest);
}

async function expectInvalid(call: Promise<unknown>, argument: string, label: string) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${label}: expected a rejection`).toBeInstanceOf(Error);
  expect(error, label).toMatchObject({ code: ErrorCode.InvalidArgument, argument });
  expect(
    (error as Error).message.length,
    `${label}: the message must say what is wrong`,
  ).toBeGreaterThan(10);
}

async function expectNoMembership(cache: LayerInfoCache, repos: string[], digests: string[]) {
  for (const repo of repos) {
    for (const d of digests) {
      expect(await cache.contains(repo, d), `a rejected call wrote ${repo} ∋ ${d}`).toBe(false);
    }
  }
}

export function validationChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const d = digest('valid');

  describe('invalid repository names are rejected and write nothing', () => {
    for (const [why, bad] of BAD_REPOSITORIES) {
      it(`rejects a repository name with ${why}`, t, async () => {
        const { cache } = await h.open();
        const near = nearRepositories(bad);
        await expectInvalid(cache.add(bad as string, d), 'repo', 'add');
        await expectInvalid(cache.contains(bad as string, d), 'repo', 'contains');
        await expectNoMembership(cache, near, [d]);
        for (const repo of near) await cache.add(repo, d);
        await expectInvalid(cache.remove(bad as string, d), 'repo', 'remove');
        for (const repo of near) {
          expect(await cache.contains(repo, d), `a rejected remove revoked ${repo}`).toBe(true);
        }
      });
    }
  });

  describe('invalid digests are rejected and write nothing', () => {
    for (const [why, bad] of BAD_DIGESTS) {
      it(`rejects a digest with ${why}`, t, async () => {
        const { cache } = await h.open();
        const near = nearDigests(bad);
        await expectInvalid(cache.add('library/a', bad as string), 'digest', 'add');
        await expectInvalid(cache.contains('library/a', bad as string), 'digest', 'contains');
        await expectInvalid(cache.meta(bad as string), 'digest', 'meta');
        await expectInvalid(
          cache.setMeta(bad as string, { path: '/x', length: 1 }),
          'digest',
          'setMeta',
        );
        await expectInvalid(cache.deleteMeta(bad as string), 'digest', 'deleteMeta');
        await expectNoMembership(cache, ['library/a'], near);
        for (const x of near) {
          await expect(cache.meta(x), `a rejected setMeta wrote ${x}`).rejects.toMatchObject({
            code: ErrorCode.NotFound,
          });
          await cache.add('library/a', x);
          await cache.setMeta(x, { path: '/kept', length: 1 });
        }
        await expectInvalid(cache.remove('library/a', bad as string), 'digest', 'remove');
        await expectInvalid(cache.deleteMeta(bad as string), 'digest', 'deleteMeta');
        for (const x of near) {
          expect(await cache.contains('library/a', x), `a rejected remove revoked ${x}`).toBe(true);
          expect(await cache.meta(x), `a rejected deleteMeta deleted ${x}`).toEqual({
            path: '/kept',
            length: 1,
          });
        }
      });
    }

    it('tells an unsupported algorithm from a malformed digest', t, async () => {
      const { cache } = await h.open();
      const unsupported = await cache.contains('a', `md5:${'a'.repeat(32)}`).catch((e: Error) => e);
      const malformed = await cache.contains('a', 'sha256:xyz!').catch((e: Error) => e);
      expect(String((unsupported as Error).message)).toMatch(/unsupported/i);
      expect(String((malformed as Error).message)).not.toMatch(/unsupported/i);
    });
  });

  describe('invalid metas are rejected and write nothing', () => {
    for (const [why, bad] of BAD_METAS) {
      it(`rejects a meta that is ${why}`, t, async () => {
        const { cache } = await h.open();
        await expectInvalid(cache.setMeta(d, bad as never), 'meta', 'setMeta on an unknown digest');
        await expect(cache.meta(d), 'a rejected setMeta wrote a meta').rejects.toMatchObject({
          code: ErrorCode.NotFound,
        });
        await cache.setMeta(d, { path: '/before', length: 7 });
        await expectInvalid(cache.setMeta(d, bad as never), 'meta', 'setMeta over a meta');
        expect(await cache.meta(d), 'a rejected setMeta changed the meta').toEqual({
          path: '/before',
          length: 7,
        });
      });
    }
  });
}
