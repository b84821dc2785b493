import { lruAdapter } from './lru.js';
import { memoryAdapter } from './memory.js';
import { redisAdapter } from './redis.js';
import { sqliteAdapter } from './sqlite.js';
import type { AdapterModule, AdapterName } from './types.js';

/**
 * Every adapter the tool measures, in report order. Adding one is a module in this folder and a
 * line here (and its name in `ADAPTER_NAMES`).
 */
export const ADAPTERS: Readonly<Record<AdapterName, AdapterModule>> = {
  memory: memoryAdapter,
  lru: lruAdapter,
  sqlite: sqliteAdapter,
  redis: redisAdapter,
};
