import { rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { FootprintProbe } from './types.js';

/**
 * The size of an SQLite database file once its write-ahead log is folded back in (a checkpoint
 * from a second connection), so pages still sitting in `-wal` are counted once and only once.
 */
export function sqliteFileProbe(filename: string): FootprintProbe {
  return {
    kind: 'file',
    async read() {
      const db = new Database(filename, { fileMustExist: true });
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
      const sizes = await Promise.all(
        [filename, `${filename}-wal`].map((f) =>
          stat(f).then(
            (s) => s.size,
            () => 0,
          ),
        ),
      );
      return sizes.reduce((a, b) => a + b, 0);
    },
  };
}

/** Removes an SQLite file and its `-wal` / `-shm` companions. */
export async function removeSqliteFiles(filename: string): Promise<void> {
  await Promise.all(
    ['', '-wal', '-shm', '-journal'].map((s) => rm(`${filename}${s}`, { force: true })),
  );
}

/** Redis `used_memory` (the server's whole data set: run it on a server of its own). */
export function redisMemoryProbe(url: string): FootprintProbe {
  return {
    kind: 'redis',
    async read() {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        const info = await client.info('memory');
        const match = /^used_memory:(\d+)/m.exec(info);
        if (match === null) throw new Error('INFO memory has no used_memory');
        return Number(match[1]);
      } finally {
        client.disconnect();
      }
    },
  };
}

/**
 * How many commands the server has run so far (the `calls` of every `INFO commandstats` line,
 * less the INFO that asks): read before and after a run, the difference is what the run sent —
 * on a server of its own.
 */
export async function redisCommandCount(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK): never a FLUSHDB on a server we may share. */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(
      cursor,
      'MATCH',
      `${escapeGlob(prefix)}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
