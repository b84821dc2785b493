import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  type Stats,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@layercache/core';

// A cache file answers access checks: a row planted by another user is a wrong `true`. So the
// cache only opens a file that this user owns, in the default location only a directory that
// nobody else can write to, and creates both private, whatever the umask. (Where there are no
// uids, as on Windows, only the modes we create are applied.)

/** Mode of the files the cache creates; SQLite gives its `-wal` and `-shm` the same one. */
export const FILE_MODE = 0o600;
/** Mode of the default directory when the cache creates it. */
export const DIRECTORY_MODE = 0o700;

// A stale journal or WAL beside the file is replayed into it when SQLite opens it.
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

function refuse(path: string, problem: string, advice: string): InvalidArgumentError {
  return new InvalidArgumentError(
    'filename',
    `layercache sqlite: ${path} ${problem}. What to do: ${advice}.`,
  );
}

function statIfPresent(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function ownedByAnother(stats: Stats, uid: number | undefined): string | undefined {
  return uid !== undefined && stats.uid !== uid
    ? `is owned by uid ${stats.uid}, not by this user (uid ${uid})`
    : undefined;
}

/**
 * Creates the default directory (mode 0700) if it is missing, and refuses it when it is a
 * symbolic link, not a directory, owned by another user, or writable by group or others: any of
 * those would let another user put the cache file there.
 */
export function trustDefaultDirectory(directory: string): void {
  const uid = process.getuid?.();
  // `$XDG_CACHE_HOME` or `~/.cache` itself is the user's, and may legitimately be a link.
  mkdirSync(dirname(directory), { recursive: true, mode: DIRECTORY_MODE });
  try {
    mkdirSync(directory, { mode: DIRECTORY_MODE });
    // The umask may have taken bits away from the mode.
    chmodSync(directory, DIRECTORY_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = lstatSync(directory);
  const advice = `remove it (the cache creates it again, mode 0700), or pass filename`;
  if (stats.isSymbolicLink()) {
    throw refuse(
      directory,
      'is a symbolic link, and the default cache directory must be a directory of this user',
      advice,
    );
  }
  if (!stats.isDirectory()) throw refuse(directory, 'is not a directory', advice);
  const other = ownedByAnother(stats, uid);
  if (other !== undefined) {
    throw refuse(directory, `${other}: another user could plant the cache file in it`, advice);
  }
  if (uid !== undefined && (stats.mode & 0o022) !== 0) {
    throw refuse(
      directory,
      `is writable by group or others (mode ${octal(stats.mode)}): another user could replace the cache file`,
      `chmod 700 ${directory}, or pass filename`,
    );
  }
}

/** Creates an empty file with mode 0600 and answers `true`, or `false` when it exists already. */
function createPrivate(filename: string): boolean {
  let fd: number;
  try {
    // O_EXCL: when several processes create the file at once, one of them does, and the others
    // check it like any existing file.
    fd = openSync(filename, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    // The umask may have taken bits away from the mode.
    fchmodSync(fd, FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Creates the cache file with mode 0600 when it does not exist, before SQLite opens it (SQLite
 * would create it 0644 less the umask, and its `-wal` and `-shm` with that mode too). Refuses an
 * existing file, or a journal, WAL or shared-memory file beside it, owned by another user.
 */
export function trustFile(filename: string): void {
  const uid = process.getuid?.();
  // First, so that a refusal leaves nothing behind.
  for (const suffix of COMPANIONS) {
    const stats = statIfPresent(`${filename}${suffix}`);
    const other = stats && ownedByAnother(stats, uid);
    if (other !== undefined) {
      throw refuse(
        `${filename}${suffix}`,
        `${other}: SQLite would replay it into the cache file`,
        'remove it if no process of its owner uses the file, or give the cache a file of its own',
      );
    }
  }
  if (createPrivate(filename)) return;
  // Follows a link: what counts is the file SQLite will open.
  const stats = statSync(filename);
  if (!stats.isFile()) {
    throw refuse(filename, 'is not a regular file', 'point filename at a database file');
  }
  const other = ownedByAnother(stats, uid);
  if (other !== undefined) {
    throw refuse(
      filename,
      `${other}: its rows would answer this cache's access checks`,
      'give the cache a file of its own (the cache creates it, mode 0600)',
    );
  }
}
