/**
 * Helpers that start throwaway Redis servers for tests and benchmarks, on free ports, with
 * nothing but Node.js and the `redis-server` / `redis-cli` executables: no Redis client library.
 * Used by this package's tests and by `tools/bench`; third-party adapters and applications may
 * use them too.
 *
 * @example
 * ```ts
 * import { startRedisServer, startRedisCluster } from '@layercache/redis/testing';
 *
 * await using server = await startRedisServer();
 * await using cluster = await startRedisCluster();
 * ```
 *
 * @packageDocumentation
 */
export {
  type RedisCluster,
  type RedisClusterOptions,
  startRedisCluster,
} from './cluster.js';
export { RespError, type RespReply, sendRedisCommand } from './resp.js';
export {
  type RedisSentinel,
  type RedisSentinelOptions,
  startRedisSentinel,
} from './sentinel.js';
export {
  assertRedisInstalled,
  findFreePort,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from './server.js';
