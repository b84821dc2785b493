import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { packPath, unpackPath } from '../src/stored-path.js';
import { digest } from './support.js';

const d = digest('packed');
const hex = d.slice('sha256:'.length);
const registryPath = `/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
const roundTrip = (path: string, of = d) => unpackPath(...packPath(path, of), of);

describe('paths stored without the digest spelled out', () => {
  it("a path in the Go registry's layout is stored as the text around its hex", () => {
    expect(packPath(registryPath, d)).toEqual([
      `/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/`,
      '/data',
    ]);
    expect(roundTrip(registryPath)).toBe(registryPath);
  });

  it('only the first occurrence of the hex is cut out', () => {
    expect(packPath(`/${hex}/${hex}`, d)).toEqual(['/', `/${hex}`]);
    expect(packPath(hex, d)).toEqual(['', '']);
    expect(roundTrip(hex)).toBe(hex);
  });

  it('a path without the hex, or with it in upper case, is stored whole', () => {
    expect(packPath('/blobs/läyer ✓', d)).toEqual(['/blobs/läyer ✓', null]);
    expect(packPath(`/blobs/${hex.toUpperCase()}`, d)).toEqual([
      `/blobs/${hex.toUpperCase()}`,
      null,
    ]);
  });

  it("another digest's hex is not cut out", () => {
    const other = digest('other');
    expect(packPath(registryPath, other)).toEqual([registryPath, null]);
    expect(roundTrip(registryPath, other)).toBe(registryPath);
  });

  it('every path core accepts reads back exactly, whatever holds the hex how often', () => {
    // Fragments that make the hex appear repeated, adjacent, overlapping a prefix of itself, cut.
    const fragment = fc.oneof(
      fc.constant(hex),
      fc.constant(hex.slice(0, 5)),
      fc.constant(hex.slice(7)),
      fc.constant(hex[0]!),
      fc.string({ unit: 'grapheme', maxLength: 4 }).filter((s) => !s.includes('\0')),
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 8 }), (parts) => {
        const path = parts.join('');
        expect(roundTrip(path)).toBe(path);
      }),
      { numRuns: 2000 },
    );
  });

  it('the cache answers the path it was given, and lists it so', async () => {
    await using cache = createSqliteCache({ filename: ':memory:' });
    const twice = `${registryPath}#${hex}`;
    await cache.setMeta(d, { path: twice, length: 7 });
    expect(await cache.meta(d)).toEqual({ path: twice, length: 7 });
    const entries = [];
    for await (const entry of cache.entries!()) entries.push(entry);
    expect(entries).toEqual([{ kind: 'meta', digest: d, meta: { path: twice, length: 7 } }]);
  });
});
