import { type RedisServer, startRedisServer } from './server.js';

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /** The master to monitor. */
  readonly master: { readonly host: string; readonly port: number };
  /** The master's name in Sentinel. Default: `"mymaster"`. */
  readonly name?: string;
  /** `down-after-milliseconds`: how long the master must be unreachable to be down. Default: 1000. */
  readonly downAfterMs?: number;
  /** Interface to bind. Default: `"127.0.0.1"`. */
  readonly host?: string;
}

/** A Sentinel process started by {@link startRedisSentinel}: a {@link RedisServer} plus the name. */
export interface RedisSentinel extends RedisServer {
  /** The monitored master's name, for ioredis' `name` option. */
  readonly name: string;
}

/**
 * Starts a throwaway Redis Sentinel (`redis-server <config> --sentinel`) on a free port that
 * monitors `master` with a quorum of 1, and resolves once it answers.
 *
 * @example
 * ```ts
 * await using master = await startRedisServer();
 * await using sentinel = await startRedisSentinel({ master });
 * const cache = createRedisCache({
 *   redis: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: sentinel.name },
 * });
 * ```
 */
export async function startRedisSentinel(options: RedisSentinelOptions): Promise<RedisSentinel> {
  const name = options.name ?? 'mymaster';
  const { host, port } = options.master;
  const server = await startRedisServer({
    ...(options.host === undefined ? {} : { host: options.host }),
    config: [
      `sentinel monitor ${name} ${host} ${port} 1`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      '',
    ].join('\n'),
    args: ['--sentinel'],
  });
  return Object.assign(Object.create(server) as RedisServer, { name }) as RedisSentinel;
}
