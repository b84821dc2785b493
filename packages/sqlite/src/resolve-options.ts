import { types } from 'node:util';
import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  optionalChoice,
  optionalInteger,
  optionalMeter,
  optionalString,
  optionError,
  readOptions,
} from '@layercache/core';
import type { SqliteDatabase } from './database.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_CACHE_SIZE_BYTES,
  DEFAULT_MMAP_SIZE_BYTES,
  defaultFilename,
} from './options.js';

/** The options with their defaults applied and checked. */
export interface ResolvedOptions {
  readonly meter: AdapterOptions['meter'];
  readonly filename: string;
  readonly database: SqliteDatabase | undefined;
  readonly ttlMs: number | undefined;
  readonly busyTimeoutMs: number | undefined;
  readonly synchronous: 'revocations' | 'full' | 'normal';
  readonly sweepIntervalMs: number;
  /** Undefined only on a borrowed database, when not given. */
  readonly mmapSizeBytes: number | undefined;
  readonly cacheSizeBytes: number | undefined;
  /** `true` when `filename` is the default location, whose directory we may create. */
  readonly defaultLocation: boolean;
}

// SQLite's cache_size is a C int of KiB when negative.
const MAX_CACHE_SIZE_BYTES = (2 ** 31 - 1) * 1024;
// SQLite's busy_timeout is a C int.
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;
// Far beyond any useful TTL, and small enough that `Date.now() + ttlMs` stays a safe integer.
const MAX_TTL_MS = 100 * 365 * 86_400_000;

const FACTORY = 'createSqliteCache';
const KNOWN_OPTIONS = [
  'filename',
  'database',
  'ttlMs',
  'busyTimeoutMs',
  'synchronous',
  'sweepIntervalMs',
  'mmapSizeBytes',
  'cacheSizeBytes',
  'meter',
] as const;

/** What a lent connection tells about itself, read once (its getters could throw). */
interface DatabaseFacts {
  readonly looksRight: boolean;
  readonly open: unknown;
  readonly readonly: unknown;
  readonly name: unknown;
}

/** A lent connection and its file's name, or `undefined` when none was lent. */
function readDatabase(value: unknown): { db: SqliteDatabase; name: string } | undefined {
  if (value === undefined) return undefined;
  const notOne = () =>
    optionError(
      FACTORY,
      'database',
      `must be a better-sqlite3 Database, got ${describeValue(value)}`,
    );
  // A Proxy could answer these checks one way and the cache's later calls another.
  if (typeof value !== 'object' || value === null || types.isProxy(value)) throw notOne();
  let facts: DatabaseFacts;
  try {
    const db = value as Record<string, unknown>;
    facts = {
      looksRight:
        typeof db.prepare === 'function' &&
        typeof db.pragma === 'function' &&
        typeof db.exec === 'function' &&
        typeof db.open === 'boolean',
      open: db.open,
      readonly: db.readonly,
      name: db.name,
    };
  } catch (error) {
    throw new InvalidArgumentError('database', `${FACTORY}: database could not be read`, {
      cause: error,
    });
  }
  if (!facts.looksRight || typeof facts.name !== 'string') throw notOne();
  if (facts.open !== true) {
    throw optionError(FACTORY, 'database', 'is closed; pass an open connection');
  }
  if (facts.readonly === true) {
    throw optionError(FACTORY, 'database', 'is read-only; the cache must write');
  }
  return { db: value as SqliteDatabase, name: facts.name };
}

/**
 * Applies defaults and rejects bad options with an `InvalidArgumentError` naming the option: an
 * unknown name (with a suggestion), a wrong type (naming the type received), an options object
 * whose getters throw or that is a Proxy.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  // A misspelt option (`fileName`) would otherwise silently open the default file.
  const read = readOptions(FACTORY, options, KNOWN_OPTIONS);
  const lent = readDatabase(read.database);
  const database = lent?.db;
  const filename = optionalString(FACTORY, 'filename', read.filename);
  if (database !== undefined && filename !== undefined) {
    throw optionError(
      FACTORY,
      'filename',
      'and database are exclusive: pass one of them (the database already has a file)',
    );
  }
  if (filename?.includes('\0')) {
    throw optionError(FACTORY, 'filename', 'must not contain a NUL character');
  }
  const ms = { unit: 'milliseconds' } as const;
  const ttlMs = optionalInteger(FACTORY, 'ttlMs', read.ttlMs, { ...ms, min: 1, max: MAX_TTL_MS });
  const busyTimeoutMs = optionalInteger(FACTORY, 'busyTimeoutMs', read.busyTimeoutMs, {
    ...ms,
    max: MAX_BUSY_TIMEOUT_MS,
  });
  const synchronous =
    optionalChoice(FACTORY, 'synchronous', read.synchronous, ['revocations', 'full', 'normal']) ??
    'revocations';
  const sweepIntervalMs =
    optionalInteger(FACTORY, 'sweepIntervalMs', read.sweepIntervalMs, {
      ...ms,
      min: 1,
      max: MAX_BUSY_TIMEOUT_MS,
    }) ?? Math.min(Math.max(ttlMs ?? 0, 1000), 60_000);

  const bytes = { unit: 'bytes' } as const;
  const mmapSizeBytes = optionalInteger(FACTORY, 'mmapSizeBytes', read.mmapSizeBytes, bytes);
  const cacheSizeBytes = optionalInteger(FACTORY, 'cacheSizeBytes', read.cacheSizeBytes, {
    ...bytes,
    max: MAX_CACHE_SIZE_BYTES,
  });

  return {
    filename: lent !== undefined ? lent.name : (filename ?? defaultFilename()),
    database,
    ttlMs,
    busyTimeoutMs:
      database === undefined ? (busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS) : busyTimeoutMs,
    synchronous,
    sweepIntervalMs,
    mmapSizeBytes:
      database === undefined ? (mmapSizeBytes ?? DEFAULT_MMAP_SIZE_BYTES) : mmapSizeBytes,
    cacheSizeBytes:
      database === undefined ? (cacheSizeBytes ?? DEFAULT_CACHE_SIZE_BYTES) : cacheSizeBytes,
    defaultLocation: database === undefined && filename === undefined,
    meter: optionalMeter(FACTORY, 'meter', read.meter),
  };
}
