/**
 * A prepared statement, as far as the cache uses one: the members better-sqlite3's `Statement`
 * has, so that one is assignable.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { readonly changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  pluck(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
}

/**
 * The connection the `database` option takes: a better-sqlite3 `Database` (v12), described by the
 * members the cache uses, so that the package's types compile without `@types/better-sqlite3`
 * and a real connection is assignable whichever copy of those types the application has.
 * `close` is not among them: a borrowed connection is never closed by the cache.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSqliteCache, type SqliteDatabase } from '@layercache/sqlite';
 *
 * const db: SqliteDatabase = new Database('/var/lib/registry/state.sqlite');
 * const cache = createSqliteCache({ database: db });
 * ```
 */
export interface SqliteDatabase {
  /** The file's path (`":memory:"` for an in-memory database); named in error messages. */
  readonly name: string;
  readonly open: boolean;
  readonly readonly: boolean;
  readonly inTransaction: boolean;
  prepare(source: string): SqliteStatement;
  exec(source: string): this;
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
}
