import { InvalidArgumentError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { MIGRATIONS, VERSION_TABLE } from './schema.js';

// `contains` trusts what the tables hold, so the tables must be exactly ours: a trigger that
// re-inserts a deleted row makes `remove()` answer `true` while the membership stays, a changed
// collation or a view could make a lookup match another row. What this release creates is taken
// from the migrations themselves, run in a scratch database, so the check can never drift from
// them.

interface SchemaObject {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string | null;
}

// Ours by name, on one of ours, or a trigger or view whose body reaches ours. (LIKE ignores ASCII
// case, as SQLite's names do.)
const objectsIn = (schema: 'main' | 'temp') => `
  SELECT type, name, tbl_name, sql FROM ${schema}.sqlite_master
  WHERE name LIKE 'layercache\\_%' ESCAPE '\\' OR tbl_name LIKE 'layercache\\_%' ESCAPE '\\'
     OR (type IN ('trigger', 'view') AND sql LIKE '%layercache\\_%' ESCAPE '\\')
  ORDER BY rowid`;

const APPLICATION_OBJECTS = `
  SELECT type, name FROM main.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
  ORDER BY rowid`;

// Stored SQL keeps the text as written (and ALTER TABLE splices into it): compare it with
// whitespace and keyword case set aside.
const normalize = (sql: string | null) =>
  (sql ?? '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([(),]) ?/g, '$1')
    .trim()
    .toUpperCase();

const references = new Map<number, ReadonlyMap<string, SchemaObject>>();

/** The objects a database at `version` holds when this release made it, by lower-case name. */
function reference(version: number): ReadonlyMap<string, SchemaObject> {
  let objects = references.get(version);
  if (objects === undefined) {
    const scratch = new BetterSqlite3(':memory:');
    try {
      for (let step = 0; step < version; step++) scratch.exec(MIGRATIONS[step] ?? '');
      scratch.exec(`CREATE TABLE ${VERSION_TABLE}`);
      const rows = scratch.prepare(objectsIn('main')).all() as SchemaObject[];
      objects = new Map(rows.map((row) => [row.name.toLowerCase(), row]));
    } finally {
      scratch.close();
    }
    references.set(version, objects);
  }
  return objects;
}

// Names come from a file that may be hostile: keep them short and visibly quoted when odd.
const quote = (name: string) =>
  /^[\w$.-]{1,64}$/.test(name) ? name : JSON.stringify(name.slice(0, 64));

function label({ type, name, tbl_name }: SchemaObject): string {
  const on = type === 'trigger' || type === 'index' ? ` on ${quote(tbl_name)}` : '';
  return `${type} ${quote(name)}${on}`;
}

/** What differs between the cache's objects in `db` and those of a `version` database. */
function differences(db: SqliteDatabase, version: number): string[] {
  const expected = reference(version);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const object of db.prepare(objectsIn('main')).all() as SchemaObject[]) {
    const key = object.name.toLowerCase();
    const wanted = expected.get(key);
    seen.add(key);
    if (wanted === undefined || wanted.type !== object.type) {
      problems.push(`${label(object)}, which this release never creates`);
    } else if (normalize(object.sql) !== normalize(wanted.sql)) {
      problems.push(`${label(object)}, which differs from the one this release creates`);
    }
  }
  for (const [key, wanted] of expected) {
    // layercache_schema exists only where the version is not kept in user_version.
    if (!seen.has(key) && key !== 'layercache_schema') problems.push(`no ${label(wanted)}`);
  }
  // A temporary table or view of that name would be used instead of ours.
  for (const object of db.prepare(objectsIn('temp')).all() as SchemaObject[]) {
    problems.push(`temporary ${label(object)}`);
  }
  return problems;
}

function listApplicationObjects(db: SqliteDatabase): string | undefined {
  const rows = db.prepare(APPLICATION_OBJECTS).all() as { type: string; name: string }[];
  if (rows.length === 0) return undefined;
  const byType = new Map<string, string[]>();
  for (const { type, name } of rows) byType.set(type, [...(byType.get(type) ?? []), quote(name)]);
  // Tables are what tells an application's database; name the rest only when there are none.
  const types = byType.has('table') ? ['table'] : [...byType.keys()];
  return types
    .map((type) => {
      const names = byType.get(type) ?? [];
      const shown =
        names.length > 10 ? [...names.slice(0, 10), `${names.length - 10} more`] : names;
      return `${type}${names.length > 1 ? 's' : ''} ${shown.join(', ')}`;
    })
    .join('; ');
}

/** Where the checked database came from, for the message and the advice. */
export interface CheckedDatabase {
  /** Named in messages. */
  readonly filename: string;
  /** `true` for a file the cache opened (`filename`), `false` for a lent `database`. */
  readonly owned: boolean;
}

/**
 * Refuses a file the cache opened itself that holds another application's objects and none of
 * the cache's: adopting it would mix the cache into that application's data (a lent `database`
 * may hold both; that is what lending is for). Reads only.
 */
export function refuseForeign(db: SqliteDatabase, filename: string): void {
  if (db.prepare(objectsIn('main')).all().length > 0) return;
  const others = listApplicationObjects(db);
  if (others === undefined) return;
  throw new InvalidArgumentError(
    'filename',
    `layercache sqlite: ${filename} is not a layercache file: it has ${others}. What to do: ` +
      'give the cache a file of its own, or lend it a connection with the database option to ' +
      "keep the cache's tables beside the application's.",
  );
}

/**
 * Refuses a database whose cache objects are not exactly those of schema `version` as this
 * release creates them: any other table, index, trigger or view on them, a changed column, a
 * missing index, a temporary object shadowing them. Reads only: it runs before anything is
 * written to the file.
 */
export function checkSchema(
  db: SqliteDatabase,
  version: number,
  { filename, owned }: CheckedDatabase,
): void {
  const problems = differences(db, version);
  if (problems.length === 0) return;
  const where = filename === ':memory:' || filename === '' ? 'the in-memory database' : filename;
  const advice = owned
    ? 'delete the file if it only holds this cache, or point filename at a new file'
    : 'drop those objects, or lend the cache a database of its own';
  throw new InvalidArgumentError(
    owned ? 'filename' : 'database',
    `layercache sqlite: ${where} does not hold the cache's tables as this release creates ` +
      `them: it has ${problems.join('; ')}. A trigger, a view or a changed table could change ` +
      `what the cache answers, so it is not used. What to do: ${advice}.`,
  );
}
