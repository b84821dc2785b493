import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type LayerCacheError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, tempDir } from './support.js';

const tmp = tempDir('errors');
afterAll(() => tmp.remove());

function openError(options: Parameters<typeof createSqliteCache>[0]): LayerCacheError {
  try {
    createSqliteCache(options);
  } catch (error) {
    return error as LayerCacheError;
  }
  throw new Error('createSqliteCache did not throw');
}

describe('opening a file that cannot be used', () => {
  it('a file that is not a database is refused with UnavailableError naming it, and left untouched', () => {
    const filename = tmp.file('not-a-db.sqlite');
    const content = Buffer.from('this is a text file, not an SQLite database\n'.repeat(200));
    writeFileSync(filename, content);
    const error = openError({ filename });
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toContain(filename);
    expect(error.message).toMatch(/not an SQLite database.*delete/i);
    expect((error.cause as { code?: string }).code).toBe('SQLITE_NOTADB');
    expect(readFileSync(filename).equals(content)).toBe(true);
  });

  it('a directory that does not exist is refused with UnavailableError naming the file', () => {
    const filename = join(tmp.dir, 'no-such-dir', 'cache.sqlite');
    const error = openError({ filename });
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toContain(filename);
    expect(error.message).toMatch(/What to do: create the directory/);
  });

  it('a path below a regular file (a directory that cannot be written) is refused with UnavailableError', () => {
    const blocker = tmp.file('plain-file');
    writeFileSync(blocker, 'x');
    const filename = join(blocker, 'cache.sqlite');
    const error = openError({ filename });
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toContain(filename);
    expect(error.message).toContain('What to do');
  });

  it('a read-only /proc directory is refused with UnavailableError naming the file', () => {
    // Root may write anywhere chmod forbids, but not into /proc; this holds for every user.
    const filename = '/proc/self/layercache.sqlite';
    const error = openError({ filename });
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toContain(filename);
    expect(error.message).toContain('What to do');
  });

  it.skipIf(process.getuid?.() === 0)(
    'a directory without write permission is refused with UnavailableError (skipped as root, who may write anyway)',
    () => {
      const locked = tmp.file('read-only-dir');
      mkdirSync(locked, { mode: 0o500 });
      const filename = join(locked, 'cache.sqlite');
      const error = openError({ filename });
      expect(error.code).toBe(ErrorCode.Unavailable);
      expect(error.message).toContain(filename);
      expect(error.message).toContain('What to do');
    },
  );

  it('a file from a newer schema version is refused, not guessed at', () => {
    const filename = tmp.file('future.sqlite');
    const raw = new BetterSqlite3(filename);
    raw.pragma('user_version = 99');
    raw.close();
    const before = readFileSync(filename);
    const error = openError({ filename });
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.message).toContain(filename);
    expect(error.message).toMatch(/schema version 99.*upgrade @layercache\/sqlite/);
    expect(readFileSync(filename).equals(before)).toBe(true);
  });
});

describe('a lock held past busyTimeoutMs', () => {
  it('rejects every write of the batch with UnavailableError in bounded time, and damages nothing', async () => {
    const filename = tmp.file('locked.sqlite');
    await using cache = createSqliteCache({ filename, busyTimeoutMs: 250 });
    await cache.add('lock/ed', digest('before'));

    const holder = new BetterSqlite3(filename);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO layercache_links (repo, digest) VALUES ('held/by', 'other')").run();
    const started = Date.now();
    const writes = [
      cache.add('lock/ed', digest('a')),
      cache.setMeta(digest('a'), { path: '/a', length: 1 }),
      cache.remove('lock/ed', digest('before')),
    ];
    const results = await Promise.allSettled(writes);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(5000);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as LayerCacheError;
      expect(error.code).toBe(ErrorCode.Unavailable);
      expect(error.message).toContain(filename);
      expect(error.message).toMatch(/busyTimeoutMs/);
      expect((error.cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    }
    // Reads are not blocked by a writer (WAL), and they answer the truth, not a miss.
    expect(await cache.contains('lock/ed', digest('before'))).toBe(true);

    holder.exec('COMMIT');
    holder.close();
    await cache.add('lock/ed', digest('after'));
    expect(await cache.contains('lock/ed', digest('after'))).toBe(true);
    expect(await cache.contains('lock/ed', digest('a')), 'a rejected write was applied').toBe(
      false,
    );
    const check = new BetterSqlite3(filename, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      check.prepare("SELECT count(*) FROM layercache_links WHERE repo = 'held/by'").pluck().get(),
    ).toBe(1);
    check.close();
  });

  it('opening a new file while another connection holds it exclusively fails in bounded time', () => {
    const filename = tmp.file('locked-at-open.sqlite');
    const holder = new BetterSqlite3(filename);
    holder.exec('CREATE TABLE theirs (x); BEGIN EXCLUSIVE; INSERT INTO theirs VALUES (1);');
    try {
      const started = Date.now();
      const error = openError({ filename, busyTimeoutMs: 200 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error.code).toBe(ErrorCode.Unavailable);
      expect(error.message).toContain(filename);
      expect((error.cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    const check = new BetterSqlite3(filename);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare('SELECT count(*) FROM theirs').pluck().get()).toBe(1);
    check.close();
  });
});
