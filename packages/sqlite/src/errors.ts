import { isLayerCacheError, UnavailableError } from '@layercache/core';

// SQLite result codes (better-sqlite3's SqliteError.code) and errno codes, and what an operator
// should do about each. Extended codes ("SQLITE_BUSY_SNAPSHOT", "SQLITE_IOERR_WRITE", …) match by prefix.
const ADVICE: ReadonlyArray<readonly [prefix: string, advice: string]> = [
  [
    'SQLITE_BUSY',
    'another connection held the database lock past busyTimeoutMs; find the process keeping a transaction open, or raise busyTimeoutMs',
  ],
  [
    'SQLITE_LOCKED',
    'a transaction on the same connection conflicts; do not hold one open across an await',
  ],
  [
    'SQLITE_NOTADB',
    'the file is not an SQLite database; point filename at a new file, or delete this one if it is a stale cache',
  ],
  [
    'SQLITE_CORRUPT',
    'the database is damaged; stop the processes using it and delete the file (it only holds a cache)',
  ],
  [
    'SQLITE_CANTOPEN',
    'the file cannot be opened or created; check that its directory exists and is writable by this user',
  ],
  [
    'SQLITE_READONLY',
    'the file or its directory is read-only; make both writable by this user (WAL needs the -wal and -shm files beside it)',
  ],
  ['SQLITE_PERM', 'permission denied; make the file and its directory writable by this user'],
  ['SQLITE_FULL', 'the disk is full; free space or move filename elsewhere'],
  ['SQLITE_IOERR', 'the operating system reported an I/O error; check the disk holding the file'],
  // Node's errno codes, from creating the directory or the file before SQLite opens it.
  ['ENOENT', 'create the directory first, or choose another filename'],
  ['ENOTDIR', 'a part of the path is not a directory; choose another filename'],
  ['EACCES', 'permission denied; make the directory writable by this user'],
  ['EPERM', 'permission denied; make the directory writable by this user'],
  ['EROFS', 'the file system is read-only; choose a filename on a writable one'],
  ['ENOSPC', 'the disk is full; free space or move filename elsewhere'],
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `true` when SQLite gave up waiting for a lock (plain or extended `SQLITE_BUSY`). */
export function isBusy(error: unknown): boolean {
  return codeOf(error)?.startsWith('SQLITE_BUSY') === true;
}

/**
 * Wraps a failure of better-sqlite3 (or of the file system around it) in an `UnavailableError`
 * whose message names the file, what failed and what to do; the original is the `cause`.
 * Layercache errors pass through unchanged.
 */
export function unavailable(error: unknown, filename: string, action: string): Error {
  if (isLayerCacheError(error)) return error;
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const advice =
    ADVICE.find(([prefix]) => code?.startsWith(prefix))?.[1] ??
    (/directory does not exist/i.test(detail)
      ? 'create the directory first, or choose another filename'
      : undefined);
  const where = filename === ':memory:' || filename === '' ? 'in-memory database' : filename;
  return new UnavailableError(
    `layercache sqlite: ${action} ${where} failed: ${detail}${code ? ` (${code})` : ''}${
      advice ? `. What to do: ${advice}.` : ''
    }`,
    { cause: error },
  );
}
