import type { RedisDriver } from './driver.js';
import { openConnection } from './ioredis/connect.js';
import { createIoredisDriver } from './ioredis/driver.js';
import { openNodeRedis } from './node-redis/connect.js';
import { createNodeRedisDriver } from './node-redis/driver.js';
import type { ResolvedRedisCacheOptions } from './options.js';

// The ioredis connection under its first name (the tests of the owned settings open it).
export { openConnection };

/** Opens the cache's connection with its client library, as the store's {@link RedisDriver}. */
export function openDriver(options: ResolvedRedisCacheOptions): RedisDriver {
  const { connection, commandTimeoutMs } = options;
  if (options.driver === 'node-redis') {
    return createNodeRedisDriver(openNodeRedis(connection, commandTimeoutMs));
  }
  return createIoredisDriver(openConnection(connection as never, commandTimeoutMs));
}
