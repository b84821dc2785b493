import { optionalString } from '@layercache/core';
import { redactUrl } from './redact.js';
import { fail } from './refuse.js';

// A database is a number in the URL's path (`/2`); ioredis also reads `?db=`. Anything else would
// make SELECT fail — and ioredis then goes on with database 0.
const DATABASE = /^(0|[1-9][0-9]{0,8})$/;

/** Checks the `url` option: `redis://` or `rediss://`, a numeric database, no `keyPrefix`. */
export function checkUrl(value: unknown): void {
  const url = optionalString('createRedisCache', 'url', value) as string;
  // Messages show the URL with its password masked: a malformed URL is still a credential.
  const shown = JSON.stringify(redactUrl(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail('url', `is not a valid URL: ${shown}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    fail('url', `must start with redis:// or rediss://, got ${shown}`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !DATABASE.test(path)) {
    fail('url', `must name a database as a number (redis://host:6379/2), got ${shown}`);
  }
  const db = parsed.searchParams.get('db');
  if (db !== null && !DATABASE.test(db)) {
    fail('url', `must name a database as a number (?db=2), got ${shown}`);
  }
  if (db !== null && path !== '') {
    fail('url', `names the database twice (in its path and in ?db=): keep one, got ${shown}`);
  }
  // ioredis takes query parameters as options, over those of `redis`: these would bypass the
  // checks of `redis.keyPrefix` and `redis.role`.
  if (parsed.searchParams.has('keyPrefix')) {
    fail('url', 'must not set keyPrefix: use the keyPrefix option');
  }
  if (parsed.searchParams.has('role')) {
    fail(
      'url',
      'must not set role: reads go to the master (a replica may still hold a membership ' +
        '`remove()` has just revoked)',
    );
  }
}

/**
 * The database a checked URL names with `?db=` (ioredis' form), which node-redis does not read:
 * it takes the database from the path alone, and would use database 0.
 */
export function queryDatabase(url: string): number | undefined {
  const db = new URL(url).searchParams.get('db');
  return db === null ? undefined : Number(db);
}
