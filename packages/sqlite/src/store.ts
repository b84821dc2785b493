import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import { createSqliteCapabilities } from './capabilities.js';
import type { SqliteDatabase as Database } from './database.js';
import { encodeDigest } from './digest-key.js';
import { unavailable } from './errors.js';
import { createReadWindow } from './read-window.js';
import { prepareStatements } from './statements.js';
import { packPath, unpackPath } from './stored-path.js';
import { startSweep } from './sweep.js';
import { createWriteBatch } from './write-batch.js';

/** What {@link createSqliteStore} needs besides the open, migrated connection. */
export interface SqliteStoreConfig {
  /** Named in error messages. */
  readonly filename: string;
  readonly ttlMs: number | undefined;
  readonly sweepIntervalMs: number;
  /** `true` when we opened the connection, `false` when it was lent to us. */
  readonly owned: boolean;
  /** Closes the connection on `close()`; only for one we opened (a lent one stays open). */
  readonly close?: (() => void) | undefined;
  /**
   * The connection rests at `synchronous = NORMAL`; raise it to `FULL` for the commit of every
   * batch that revokes something (see `commitBatch`).
   */
  readonly syncRevocations?: boolean;
}

/** A fill: one statement, which a power cut may lose (a miss). */
const FILL = { single: true, revokes: false } as const;
/** `add`: a fill of two statements (the repository's id, then the link), one transaction. */
const ADD = { single: false, revokes: false } as const;
/** A revocation of one entry: must survive a power cut once acknowledged. */
const REVOKE = { single: true, revokes: true } as const;
/** `remove` (the link, then the repository if that was its last), and `clear`. */
const REVOKE_MANY = { single: false, revokes: true } as const;

/**
 * The SQLite {@link LayerInfoStore}: reads answer synchronously inside the tick's shared read
 * snapshot (read-window.ts), writes of a tick commit together (write-batch.ts), and with a TTL
 * expired rows are swept in the background (sweep.ts).
 */
export function createSqliteStore(db: Database, config: SqliteStoreConfig): LayerInfoStore {
  const { filename, ttlMs, owned } = config;
  const statements = prepareStatements(db);

  // One end-of-tick callback for the read snapshot and the write queue: writes commit after the
  // tick's reads, then the snapshot is gone.
  let tickScheduled = false;
  const atEndOfTick = () => {
    if (tickScheduled) return;
    tickScheduled = true;
    process.nextTick(() => {
      tickScheduled = false;
      writes.flush();
      sweep?.whenLate();
    });
  };
  const reads = createReadWindow(db, statements, { enabled: owned, atEndOfTick });
  const writes = createWriteBatch(db, statements, {
    filename,
    syncRevocations: config.syncRevocations === true,
    endReads: reads.end,
    atEndOfTick,
  });
  const sweep =
    ttlMs === undefined
      ? undefined
      : startSweep(db, statements, { intervalMs: config.sweepIntervalMs, flush: writes.flush });

  // `expiresAt` as a RETURNING clause hands it back: undefined when no row was deleted.
  const live = (expiresAt: unknown, now: number) =>
    expiresAt === null || (typeof expiresAt === 'number' && expiresAt > now);
  const expiry = (now: number) => (ttlMs === undefined ? null : now + ttlMs);

  // The two reads are written out rather than passed to a helper as closures: they are the hot
  // path, and a closure per call is measurable there.
  function readFailed(error: unknown): Error {
    reads.abandon();
    return unavailable(error, filename, 'reading');
  }

  return {
    contains(repo, digest) {
      const key = encodeDigest(digest);
      const now = Date.now();
      try {
        reads.begin(now);
        return statements.contains.get(repo, key, now) !== undefined;
      } catch (error) {
        throw readFailed(error);
      }
    },

    meta(digest) {
      const key = encodeDigest(digest);
      const now = Date.now();
      let row: unknown[] | undefined;
      try {
        reads.begin(now);
        row = statements.meta.get(key, now) as unknown[] | undefined;
      } catch (error) {
        throw readFailed(error);
      }
      if (row === undefined) return undefined;
      const meta: LayerMeta = {
        path: unpackPath(row[0] as string, row[1] as string | null, digest),
        length: row[2] as number,
      };
      return meta;
    },

    add(repo, digest, signal) {
      const key = encodeDigest(digest);
      return writes.write(
        (now) => {
          statements.addRepo.run(repo, repo);
          statements.add.run(repo, key, expiry(now));
        },
        ADD,
        signal,
      );
    },

    remove(repo, digest, signal) {
      const key = encodeDigest(digest);
      return writes.write(
        (now) => {
          const row = statements.remove.get(repo, key) as [unknown, number] | undefined;
          if (row === undefined) return false;
          statements.dropRepoIfEmpty.run(row[1], row[1]);
          return live(row[0], now);
        },
        REVOKE_MANY,
        signal,
      );
    },

    setMeta(digest, meta, signal) {
      const key = encodeDigest(digest);
      const [head, tail] = packPath(meta.path, digest);
      return writes.write(
        (now) => {
          statements.setMeta.run(key, head, tail, meta.length, expiry(now));
        },
        FILL,
        signal,
      );
    },

    deleteMeta(digest, signal) {
      const key = encodeDigest(digest);
      return writes.write((now) => live(statements.deleteMeta.get(key), now), REVOKE, signal);
    },

    clear: (signal) =>
      writes.write(
        () => {
          statements.clearLinks.run();
          statements.clearMetas.run();
          statements.clearRepos.run();
        },
        REVOKE_MANY,
        signal,
      ),

    close() {
      sweep?.stop();
      // Writes already queued were accepted before close: commit them rather than drop them
      // (or, if the connection is already gone, reject them rather than leave them pending).
      writes.flush();
      if (config.close !== undefined && db.open) {
        try {
          config.close();
        } catch (error) {
          throw unavailable(error, filename, 'closing');
        }
      }
    },

    ...createSqliteCapabilities(db, {
      filename,
      live,
      revoke: (run, signal) => writes.write(run, REVOKE_MANY, signal),
    }),
  };
}
