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
  // ioredis takes query parameters as options: a keyPrefix there would bypass the check below.
  if (parsed.searchParams.has('keyPrefix')) {
    fail('url', 'must not set keyPrefix: use the keyPrefix option');
  }
}
