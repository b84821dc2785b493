import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll } from 'vitest';
import { createSqliteCache } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'layercache-sqlite-conformance-'));
// Borrowed connections stay open after their cache closes; they are the test's to close.
const lent: InstanceType<typeof BetterSqlite3>[] = [];
afterAll(() => {
  for (const db of lent) db.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each storageId is one file, so the durability checks reopen what they wrote.
const fileFor = (storageId: string) => join(dir, `${storageId.replace(/[^\w.-]/g, '_')}.sqlite`);

describeLayerInfoCache(
  'sqlite :memory:',
  ({ ttlMs }) => createSqliteCache({ filename: ':memory:', ttlMs }),
  { ttl: true, forgetDigest: true, entries: true },
);

describeLayerInfoCache(
  'sqlite file',
  ({ storageId, ttlMs, meter }) =>
    createSqliteCache({ filename: fileFor(storageId), ttlMs, meter }),
  // Shared: the factory called again with the same storageId opens a second connection.
  { ttl: true, durable: true, shared: true, metrics: true, forgetDigest: true, entries: true },
);

// A database an application lends, with its own table and its own migrations at user_version 7
// (which the cache must neither read as its schema version nor change).
function lendApplicationDatabase(storageId: string): InstanceType<typeof BetterSqlite3> {
  const db = new BetterSqlite3(fileFor(`lent-${storageId}`));
  lent.push(db);
  if (db.pragma('user_version', { simple: true }) === 0) {
    db.exec('CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT); PRAGMA user_version = 7;');
  }
  return db;
}

describeLayerInfoCache(
  'sqlite borrowed file',
  ({ storageId, ttlMs }) =>
    createSqliteCache({ database: lendApplicationDatabase(storageId), ttlMs }),
  { ttl: true, durable: true, shared: true, forgetDigest: true, entries: true },
);
