import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { removeSqliteFiles, sqliteFileProbe } from '../adapters/probes.js';
import type { PeerModule } from '../adapters/types.js';
import { keyvSubject } from './keyv-map.js';

/** Keyv with `@keyv/sqlite` (on the `sqlite3` package) on a temp file. */
export const keyvSqlitePeer: PeerModule = {
  name: 'keyv-sqlite',
  label: 'Keyv + @keyv/sqlite',
  async create(context, id) {
    const filename = join(context.tmpDir, `${id}.sqlite`);
    const store = new KeyvSqlite({ uri: `sqlite://${filename}`, busyTimeout: 5000 });
    const keyv = new Keyv({ store, throwOnErrors: true });
    // Create the table now so the first timed call does not pay for it.
    await keyv.set('warm', true);
    // sqlite3 runs every statement on the one connection in order, so BEGIN … COMMIT around the
    // preload's sets makes it one transaction.
    const bulk = async (work: () => Promise<void>) => {
      await store.query('BEGIN');
      try {
        await work();
      } finally {
        await store.query('COMMIT');
      }
    };
    return keyvSubject(
      'Keyv + @keyv/sqlite',
      keyv,
      sqliteFileProbe(filename),
      () => removeSqliteFiles(filename),
      bulk,
    );
  },
};
