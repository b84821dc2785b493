import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, tempDir, waitFor } from './support.js';

const tmp = tempDir('repos');
afterAll(() => tmp.remove());

let files = 0;
const newFile = () => tmp.file(`repos-${files++}.sqlite`);

/** The interned repositories as another connection sees them: name → id. */
function repos(filename: string): Record<string, number> {
  const db = new BetterSqlite3(filename, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, id FROM layercache_repos').raw().all() as [
      string,
      number,
    ][];
    return Object.fromEntries(rows);
  } finally {
    db.close();
  }
}

describe('interned repository names', () => {
  it("removing a repository's last link deletes its row; one with links left keeps it", async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename });
    await cache.add('a/one', digest(1));
    await cache.add('a/one', digest(2));
    await cache.add('b/two', digest(1));
    expect(Object.keys(repos(filename)).sort()).toEqual(['a/one', 'b/two']);

    expect(await cache.remove('b/two', digest(1))).toBe(true);
    expect(await cache.remove('a/one', digest(1))).toBe(true);
    expect(Object.keys(repos(filename))).toEqual(['a/one']);
    expect(await cache.contains('a/one', digest(2))).toBe(true);
  });

  it('removing a membership that is not there keeps the repository', async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename });
    await cache.add('a/one', digest(1));
    expect(await cache.remove('a/one', digest(2))).toBe(false);
    expect(Object.keys(repos(filename))).toEqual(['a/one']);
  });

  it('clear deletes every repository row', async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename });
    for (let i = 0; i < 50; i++) await cache.add(`r/${i}`, digest(i));
    await cache.clear();
    expect(repos(filename)).toEqual({});
  });

  it('the sweep deletes repositories whose links have all expired', {
    timeout: 20_000,
  }, async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename, ttlMs: 50, sweepIntervalMs: 100 });
    for (let i = 0; i < 20; i++) await cache.add(`gone/${i}`, digest(i));
    await waitFor(() => Object.keys(repos(filename)).length === 0, 10_000, 'the sweep');
    expect(await cache.contains('gone/0', digest(0))).toBe(false);
  });

  it('adding to a known repository again uses up no id', async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename });
    for (let i = 0; i < 100; i++) await cache.add('known/repo', digest(i));
    await cache.add('next/repo', digest(0));
    expect(repos(filename)).toEqual({ 'known/repo': 1, 'next/repo': 2 });
  });

  it('an id is never given to another name, even after its repository was deleted', async () => {
    const filename = newFile();
    await using cache = createSqliteCache({ filename });
    await cache.add('first/repo', digest(1));
    const first = repos(filename)['first/repo']!;
    await cache.remove('first/repo', digest(1));
    await cache.add('second/repo', digest(1));
    expect(repos(filename)['second/repo']).toBeGreaterThan(first);
    expect(await cache.contains('first/repo', digest(1))).toBe(false);
  });
});
