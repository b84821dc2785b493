import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type LayerCacheError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, tempDir } from './support.js';

const tmp = tempDir('file-trust');
afterAll(() => tmp.remove());

// Another user's files need root to make (chown); as anyone else those tests are skipped.
const root = process.getuid?.() === 0;
const NOBODY = 65534;
const asRoot = it.skipIf(!root);

function openError(options?: Parameters<typeof createSqliteCache>[0]): LayerCacheError {
  try {
    createSqliteCache(options);
  } catch (error) {
    return error as LayerCacheError;
  }
  throw new Error('createSqliteCache did not throw');
}

const mode = (path: string) => statSync(path).mode & 0o777;

function withUmask<T>(mask: number, run: () => T): T {
  const saved = process.umask(mask);
  try {
    return run();
  } finally {
    process.umask(saved);
  }
}

describe('the default location', () => {
  let home: string;
  let directory: string;
  let saved: string | undefined;
  let count = 0;
  beforeEach(() => {
    home = tmp.file(`xdg-${count++}`);
    mkdirSync(home, { mode: 0o700 });
    directory = join(home, 'layercache');
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });

  it('creates its directory with mode 0700 whatever the umask', async () => {
    const cache = withUmask(0o277, () => createSqliteCache());
    await cache.close();
    expect(mode(directory).toString(8)).toBe('700');
  });

  it('creates the cache file with mode 0600 whatever the umask', async () => {
    const cache = withUmask(0, () => createSqliteCache());
    await cache.add('default/file', digest('d'));
    await cache.close();
    expect(mode(join(directory, 'layercache.sqlite')).toString(8)).toBe('600');
  });

  it('refuses a directory that is a symbolic link, naming it', () => {
    const elsewhere = tmp.file(`elsewhere-${count}`);
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, directory);
    const error = openError();
    expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
    expect(error.message).toBe(
      `layercache sqlite: ${directory} is a symbolic link, and the default cache directory must be a directory of this user. What to do: remove it (the cache creates it again, mode 0700), or pass filename.`,
    );
    expect(existsSync(join(elsewhere, 'layercache.sqlite')), 'a file was created there').toBe(
      false,
    );
  });

  it.each([
    ['0770', 0o770, 'group'],
    ['0707', 0o707, 'others'],
  ])('refuses a directory with mode %s (writable by %s)', (_, dirMode) => {
    mkdirSync(directory);
    chmodSync(directory, dirMode);
    const error = openError();
    expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
    expect(error.message).toBe(
      `layercache sqlite: ${directory} is writable by group or others (mode 0${dirMode.toString(8)}): another user could replace the cache file. What to do: chmod 700 ${directory}, or pass filename.`,
    );
    expect(existsSync(join(directory, 'layercache.sqlite'))).toBe(false);
  });

  asRoot(
    'refuses a directory owned by another user (needs root to chown; skipped otherwise)',
    () => {
      mkdirSync(directory, { mode: 0o700 });
      chownSync(directory, NOBODY, NOBODY);
      const error = openError();
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
      expect(error.message).toBe(
        `layercache sqlite: ${directory} is owned by uid ${NOBODY}, not by this user (uid 0): another user could plant the cache file in it. What to do: remove it (the cache creates it again, mode 0700), or pass filename.`,
      );
    },
  );

  asRoot(
    'refuses a cache file owned by another user, and leaves it as it was (needs root; skipped otherwise)',
    () => {
      mkdirSync(directory, { mode: 0o700 });
      const filename = join(directory, 'layercache.sqlite');
      const planted = new BetterSqlite3(filename);
      planted.exec('CREATE TABLE planted (x)');
      planted.close();
      chownSync(filename, NOBODY, NOBODY);
      const before = readFileSync(filename);
      const error = openError();
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
      expect(error.message).toContain(`${filename} is owned by uid ${NOBODY}`);
      expect(readFileSync(filename).equals(before)).toBe(true);
    },
  );
});

describe('an explicit filename', () => {
  it('is created with mode 0600 whatever the umask, and so are its -wal and -shm', async () => {
    const filename = tmp.file('private.sqlite');
    const cache = withUmask(0, () => createSqliteCache({ filename }));
    try {
      await cache.add('private/repo', digest('p'));
      // While the cache is open its WAL and shared-memory files exist beside the file.
      expect({
        file: mode(filename).toString(8),
        wal: mode(`${filename}-wal`).toString(8),
        shm: mode(`${filename}-shm`).toString(8),
      }).toEqual({ file: '600', wal: '600', shm: '600' });
    } finally {
      await cache.close();
    }
  });

  it('keeps the mode of a file that already exists', async () => {
    const filename = tmp.file('shared-by-choice.sqlite');
    writeFileSync(filename, '');
    chmodSync(filename, 0o640);
    const cache = createSqliteCache({ filename });
    await cache.add('kept/mode', digest('k'));
    await cache.close();
    expect(mode(filename).toString(8)).toBe('640');
  });

  asRoot(
    'refuses a file owned by another user, and leaves it as it was (needs root; skipped otherwise)',
    async () => {
      const filename = tmp.file('theirs.sqlite');
      const made = createSqliteCache({ filename });
      await made.add('victim/repo', digest('planted'));
      await made.close();
      chownSync(filename, NOBODY, NOBODY);
      const before = readFileSync(filename);
      const error = openError({ filename });
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
      expect(error.message).toBe(
        `layercache sqlite: ${filename} is owned by uid ${NOBODY}, not by this user (uid 0): its rows would answer this cache's access checks. What to do: give the cache a file of its own (the cache creates it, mode 0600).`,
      );
      expect(readFileSync(filename).equals(before)).toBe(true);
    },
  );

  asRoot(
    'refuses a -wal file owned by another user beside it (needs root; skipped otherwise)',
    async () => {
      const filename = tmp.file('planted-wal.sqlite');
      const made = createSqliteCache({ filename });
      await made.close();
      writeFileSync(`${filename}-wal`, '');
      chownSync(`${filename}-wal`, NOBODY, NOBODY);
      const error = openError({ filename });
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
      expect(error.message).toBe(
        `layercache sqlite: ${filename}-wal is owned by uid ${NOBODY}, not by this user (uid 0): SQLite would replay it into the cache file. What to do: remove it if no process of its owner uses the file, or give the cache a file of its own.`,
      );
    },
  );
});
