import { isLayerCacheError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { inOneSnapshot, readSchema, refuseNewer } from './schema.js';
import { checkSchema, refuseForeign } from './schema-check.js';

/**
 * What decides whether a database is accepted, read in one snapshot (another process upgrading
 * the file meanwhile is seen whole or not at all): another application's database (a file the
 * cache opens itself only), a schema from a newer release, cache tables that differ from this
 * release's. Reads only.
 */
export function checkOpening(db: SqliteDatabase, filename: string, owned: boolean): void {
  inOneSnapshot(db, () => {
    if (owned) refuseForeign(db, filename);
    refuseNewer(db, filename, owned);
    checkSchema(db, readSchema(db, owned).version, { filename, owned });
  });
}

/**
 * Runs {@link checkOpening} on a read-only connection of its own, before the cache opens the file
 * for writing. Closing a read-write connection checkpoints a WAL that a process which crashed left
 * behind into the file — a write, which a refused file must not get; a read-only connection never
 * checkpoints. Only a refusal is thrown from here: anything else a read-only connection cannot do
 * is left to the read-write open, which reports it as it always did.
 */
export function refuseBeforeWriting(filename: string, timeoutMs: number | undefined): void {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(filename, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    checkOpening(db, filename, true);
  } catch (error) {
    if (isLayerCacheError(error)) throw error;
  } finally {
    db?.close();
  }
}
