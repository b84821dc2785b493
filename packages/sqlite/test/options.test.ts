import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSqliteCache,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_CACHE_SIZE_BYTES,
  DEFAULT_MMAP_SIZE_BYTES,
  defaultFilename,
  type SqliteCacheOptions,
} from '../src/index.js';
import { tempDir } from './support.js';

const tmp = tempDir('options');
afterAll(() => tmp.remove());

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
  ['mmapSizeBytes', { mmapSizeBytes: 1.5 }],
  ['cacheSizeBytes', { cacheSizeBytes: -1 }],
  ['cacheSizeBytes', { cacheSizeBytes: 2 ** 42 }],
  ['database', { database: {} }],
  ['database', { database: 'file.sqlite' }],
];

function thrown(run: () => unknown): { code?: string; argument?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; argument?: string; message: string };
  }
  throw new Error('did not throw');
}

describe('option names', () => {
  it('refuses a misspelt option with a suggestion instead of opening the default file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layercache-sqlite-typo-'));
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = dir;
    try {
      const error = thrown(() =>
        createSqliteCache({ fileName: join(dir, 'mine.sqlite') } as never),
      );
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'fileName' });
      expect(error.message).toBe(
        'createSqliteCache: unknown option `fileName`: did you mean `filename`?',
      );
      expect(existsSync(join(dir, 'layercache')), 'the default location was used').toBe(false);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records through meter, the option every adapter takes', async () => {
    // Just enough of an OpenTelemetry Meter to count what core's wrapper records through it.
    let added = 0;
    const meter = {
      createCounter: () => ({ add: () => void added++ }),
      createHistogram: () => ({ record: () => {} }),
    } as unknown as NonNullable<SqliteCacheOptions['meter']>;
    await using cache = createSqliteCache({ filename: ':memory:', meter });
    await cache.add('with/meter', `sha256:${'2'.repeat(64)}`);
    expect(await cache.contains('with/meter', `sha256:${'2'.repeat(64)}`)).toBe(true);
    expect(added).toBe(2);
  });
});

describe('option types', () => {
  it.each([
    ['filename', { filename: 42 }, 'must be a non-empty string, got the number 42'],
    [
      'ttlMs',
      { ttlMs: '1000' },
      'must be a whole number of milliseconds from 1 to 3153600000000, got the string "1000"',
    ],
    [
      'busyTimeoutMs',
      { busyTimeoutMs: Number.NaN },
      'must be a whole number of milliseconds from 0 to 2147483647, got NaN',
    ],
    [
      'synchronous',
      { synchronous: 'off' },
      'must be one of "revocations", "full", "normal", got the string "off"',
    ],
    [
      'mmapSizeBytes',
      { mmapSizeBytes: -1 },
      'must be a whole number of bytes at least 0, got the number -1',
    ],
    [
      'cacheSizeBytes',
      { cacheSizeBytes: '32MB' },
      'must be a whole number of bytes from 0 to 2199023254528, got the string "32MB"',
    ],
    [
      'database',
      { database: 'file.sqlite' },
      'must be a better-sqlite3 Database, got the string "file.sqlite"',
    ],
  ])('a wrong %s names the type received', (argument, options, text) => {
    const error = thrown(() => createSqliteCache({ filename: ':memory:', ...options } as never));
    expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument });
    expect(error.message).toBe(`createSqliteCache: ${argument} ${text}`);
  });
});

describe('hostile options', () => {
  const throwing = (name: string) =>
    Object.defineProperty({}, name, {
      enumerable: true,
      get() {
        throw new TypeError('hostile getter');
      },
    });
  const cases: ReadonlyArray<readonly [string, string, () => unknown]> = [
    ['ttlMs as an object with no prototype', 'ttlMs', () => ({ ttlMs: Object.create(null) })],
    ['a throwing getter for filename', 'filename', () => throwing('filename')],
    ['a throwing getter for ttlMs', 'ttlMs', () => throwing('ttlMs')],
    [
      'a Proxy whose traps throw',
      'options',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new TypeError('trap');
            },
            ownKeys() {
              throw new TypeError('trap');
            },
          },
        ),
    ],
    [
      'a Proxy as database',
      'database',
      () => ({ database: new Proxy(new BetterSqlite3(':memory:'), {}) }),
    ],
    [
      'a database whose getters throw',
      'database',
      () => ({
        database: {
          prepare() {},
          pragma() {},
          exec() {},
          get open(): boolean {
            throw new TypeError('hostile open');
          },
        },
      }),
    ],
  ];
  it.each(cases)(
    '%s is an InvalidArgumentError naming %s, not a raw TypeError',
    (_, argument, make) => {
      const error = thrown(() => createSqliteCache(make() as never));
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument });
      expect(error.message).toMatch(/^createSqliteCache: /);
    },
  );
});

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

  it('applies mmapSizeBytes and cacheSizeBytes to a borrowed database when given', async () => {
    const db = new BetterSqlite3(tmp.file('lent-pragmas.sqlite'));
    try {
      await using cache = createSqliteCache({
        database: db,
        mmapSizeBytes: 64 * 1024 * 1024,
        cacheSizeBytes: 10 * 1024 * 1024 + 1,
      });
      await cache.add('a/b', `sha256:${'0'.repeat(64)}`);
      expect(db.pragma('mmap_size', { simple: true })).toBe(64 * 1024 * 1024);
      // Negative: KiB, rounded up.
      expect(db.pragma('cache_size', { simple: true })).toBe(-10 * 1024 - 1);
    } finally {
      db.close();
    }
    expect(DEFAULT_MMAP_SIZE_BYTES).toBe(2 * 1024 * 1024 * 1024);
    expect(DEFAULT_CACHE_SIZE_BYTES).toBe(32 * 1024 * 1024);
  });

  it("leaves a borrowed database's mmap_size and cache_size alone when not given", async () => {
    const db = new BetterSqlite3(tmp.file('lent-untouched.sqlite'));
    try {
      db.pragma('mmap_size = 4096');
      db.pragma('cache_size = -777');
      await using cache = createSqliteCache({ database: db });
      await cache.add('a/b', `sha256:${'0'.repeat(64)}`);
      expect(db.pragma('mmap_size', { simple: true })).toBe(4096);
      expect(db.pragma('cache_size', { simple: true })).toBe(-777);
    } finally {
      db.close();
    }
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
      expect(
        check
          .prepare('SELECT r.name FROM layercache_links JOIN layercache_repos AS r ON r.id = repo')
          .pluck()
          .all(),
      ).toEqual(['default/location']);
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
