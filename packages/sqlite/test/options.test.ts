import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteCache, DEFAULT_BUSY_TIMEOUT_MS, defaultFilename } from '../src/index.js';

const bad: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['filename', { filename: '' }],
  ['filename', { filename: 42 }],
  ['filename', { filename: 'a\0b' }],
  ['ttlMs', { ttlMs: 0 }],
  ['ttlMs', { ttlMs: -1 }],
  ['ttlMs', { ttlMs: 1.5 }],
  ['ttlMs', { ttlMs: Number.POSITIVE_INFINITY }],
  ['ttlMs', { ttlMs: '1000' }],
  ['busyTimeoutMs', { busyTimeoutMs: -1 }],
  ['busyTimeoutMs', { busyTimeoutMs: Number.NaN }],
  ['busyTimeoutMs', { busyTimeoutMs: 2 ** 31 }],
  ['synchronous', { synchronous: 'off' }],
  ['sweepIntervalMs', { sweepIntervalMs: 0 }],
  ['database', { database: {} }],
  ['database', { database: 'file.sqlite' }],
];

describe('options', () => {
  it.each(bad)('rejects a bad %s (%o) with InvalidArgumentError naming it', (argument, options) => {
    expect(() => createSqliteCache({ filename: ':memory:', ...options } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument, argument }),
    );
  });

  it('rejects filename and database together', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      expect(() => createSqliteCache({ database: db, filename: 'x.sqlite' })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidArgument, argument: 'filename' }),
      );
    } finally {
      db.close();
    }
  });

  it('rejects a closed database', () => {
    const db = new BetterSqlite3(':memory:');
    db.close();
    expect(() => createSqliteCache({ database: db })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument, argument: 'database' }),
    );
  });

  it('applies busyTimeoutMs to a borrowed database when given', async () => {
    const db = new BetterSqlite3(':memory:');
    try {
      await using cache = createSqliteCache({ database: db, busyTimeoutMs: 1234 });
      await cache.add('a/b', `sha256:${'0'.repeat(64)}`);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
    expect(DEFAULT_BUSY_TIMEOUT_MS).toBe(5000);
  });

  it('puts a file it opens in WAL mode with synchronous as configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layercache-sqlite-options-'));
    try {
      const filename = join(dir, 'wal.sqlite');
      await using _cache = createSqliteCache({ filename, synchronous: 'normal' });
      const check = new BetterSqlite3(filename, { readonly: true });
      expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
      check.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with no filename, creates its directory and file in the XDG cache directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layercache-sqlite-xdg-'));
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = dir;
    try {
      const cache = createSqliteCache();
      await cache.add('default/location', `sha256:${'1'.repeat(64)}`);
      await cache.close();
      const filename = join(dir, 'layercache', 'layercache.sqlite');
      expect(statSync(join(dir, 'layercache')).mode & 0o777).toBe(0o700);
      const check = new BetterSqlite3(filename, { readonly: true });
      expect(check.prepare('SELECT repo FROM layercache_links').pluck().all()).toEqual([
        'default/location',
      ]);
      check.close();
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults to a file in the XDG cache directory, else ~/.cache', () => {
    expect(defaultFilename({ XDG_CACHE_HOME: '/var/cache/me' })).toBe(
      '/var/cache/me/layercache/layercache.sqlite',
    );
    expect(defaultFilename({ XDG_CACHE_HOME: 'relative' })).toMatch(
      /\/\.cache\/layercache\/layercache\.sqlite$/,
    );
    expect(defaultFilename({})).toMatch(/\/\.cache\/layercache\/layercache\.sqlite$/);
  });
});
