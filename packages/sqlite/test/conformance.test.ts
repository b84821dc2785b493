import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import { afterAll } from 'vitest';
import { createSqliteCache } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'layercache-sqlite-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each storageId is one file, so the durability checks reopen what they wrote.
const fileFor = (storageId: string) => join(dir, `${storageId.replace(/[^\w.-]/g, '_')}.sqlite`);

describeLayerInfoCache(
  'sqlite :memory:',
  ({ ttlMs }) => createSqliteCache({ filename: ':memory:', ttlMs }),
  { ttl: true },
);

describeLayerInfoCache(
  'sqlite file',
  ({ storageId, ttlMs }) => createSqliteCache({ filename: fileFor(storageId), ttlMs }),
  { ttl: true, durable: true },
);
