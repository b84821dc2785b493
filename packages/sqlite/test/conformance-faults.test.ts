import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConformanceContext, describeLayerInfoCache } from '@layercache/core/conformance';
import { afterAll, beforeAll } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { requireBuild, tempDir } from './support.js';

// The suite's `faults` and cross-process `shared` checks on a cache file. Breaking it means what
// breaks SQLite in production: another process holds the write lock past `busyTimeoutMs`. Reads
// in WAL mode keep answering from the last commit while a writer holds the lock — a correct
// answer, not a guess — so the fault is declared to affect the five writes only.

const BUSY_TIMEOUT_MS = 250;
const tmp = tempDir('conformance-faults');
const holdLock = fileURLToPath(new URL('./fixtures/hold-write-lock.mjs', import.meta.url));
const holders = new Map<string, ChildProcess>();

// The child processes of the shared checks open the same files through this directory.
process.env.LAYERCACHE_TEST_SQLITE_DIR = tmp.dir;
const fileFor = (storageId: string) =>
  join(tmp.dir, `${storageId.replace(/[^\w.-]/g, '_')}.sqlite`);

beforeAll(requireBuild);
afterAll(() => {
  for (const child of holders.values()) child.kill('SIGKILL');
  tmp.remove();
});

/** Starts a process holding the write lock of the context's file; resolves once it holds it. */
async function holdWriteLock({ storageId }: ConformanceContext): Promise<void> {
  const child = spawn(process.execPath, [holdLock, fileFor(storageId)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  holders.set(storageId, child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}): ${stderr}`)));
  });
}

/** Kills the lock holder: the operating system releases its lock as the process ends. */
async function releaseWriteLock({ storageId }: ConformanceContext): Promise<void> {
  const child = holders.get(storageId);
  holders.delete(storageId);
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describeLayerInfoCache(
  'sqlite file, write lock held by another process',
  ({ storageId, ttlMs }) =>
    createSqliteCache({ filename: fileFor(storageId), ttlMs, busyTimeoutMs: BUSY_TIMEOUT_MS }),
  {
    ttl: true,
    durable: true,
    faults: {
      break: holdWriteLock,
      heal: releaseWriteLock,
      timeoutMs: BUSY_TIMEOUT_MS,
      affects: ['add', 'remove', 'setMeta', 'deleteMeta', 'clear'],
    },
    shared: { processModule: new URL('./fixtures/shared-cache.mjs', import.meta.url) },
  },
);
