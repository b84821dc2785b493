import { spawn } from 'node:child_process';
import { sendRedisCommand } from './resp.js';
import { assertRedisInstalled, type RedisServer, startRedisServer } from './server.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Interface every node binds. Default: `"127.0.0.1"`. */
  readonly host?: string;
  /** Number of masters (at least 3, as `redis-cli --cluster create` requires). Default: 3. */
  readonly masters?: number;
  /** Replicas per master. Default: 1. */
  readonly replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in milliseconds: how long a master must be unreachable before its
   * replica is promoted. Default: 1000 (Redis' own default, 15 000, makes failover tests slow).
   */
  readonly nodeTimeoutMs?: number;
  /** How long to wait for `cluster_state:ok` on every node. Default: 60 000 ms. */
  readonly startTimeoutMs?: number;
  /** Extra `redis-server` arguments for every node. Default: none. */
  readonly args?: readonly string[];
}

/** A Redis Cluster started by {@link startRedisCluster}. */
export interface RedisCluster extends AsyncDisposable {
  /** Every node, masters first as created (the initial roles change after a failover). */
  readonly servers: readonly RedisServer[];
  /** `{ host, port }` of every node: the startup nodes for `new Cluster(nodes)`. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /**
   * Resolves once every live node reports `cluster_state:ok` and agrees on all slots, and every
   * live replica has finished its sync (`master_link_status:up`, and `state=online` on its
   * master): a replica that never synced is not promoted, so a failover right after start would
   * leave the cluster down.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of throwaway `redis-server` processes on free ports — by default 3
 * masters with one replica each — creates it with
 * `redis-cli --cluster create … --cluster-replicas N --cluster-yes`, and resolves once every node
 * reports `cluster_state:ok` and every replica `master_link_status:up` (polled, never a fixed
 * sleep): a failover may be started as soon as it resolves. Stop it with `stop()` or
 * `await using`; its processes are also killed when the Node.js process exits.
 *
 * @example
 * ```ts
 * import { Cluster } from 'ioredis';
 * import { startRedisCluster } from '@layercache/redis/testing';
 *
 * await using cluster = await startRedisCluster();
 * const cache = createRedisCache({ cluster: { nodes: cluster.nodes } });
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  assertRedisInstalled();
  assertRedisInstalled('redis-cli');
  const host = options.host ?? '127.0.0.1';
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  if (!Number.isInteger(masters) || masters < 3)
    throw new Error('a cluster needs at least 3 masters');
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 1000),
    // A replica's first sync otherwise waits 5 s for more replicas to share a diskless transfer.
    '--repl-diskless-sync-delay',
    '0',
    ...(options.args ?? []),
  ];

  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const count = masters * (1 + replicas);
    const started = await Promise.all(
      Array.from({ length: count }, () => startRedisServer({ host, args })),
    );
    servers.push(...started);
    await runRedisCli(
      [
        '--cluster',
        'create',
        ...servers.map((server) => `${server.host}:${server.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      startTimeoutMs,
    );
    const cluster: RedisCluster = {
      servers,
      nodes: servers.map((server) => ({ host: server.host, port: server.port })),
      waitUntilHealthy: (timeoutMs = startTimeoutMs) => waitUntilHealthy(servers, timeoutMs),
      stop,
      [Symbol.asyncDispose]: stop,
    };
    await cluster.waitUntilHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilHealthy(servers: readonly RedisServer[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const live = servers.filter((server) => server.pid !== undefined);
    const states = await Promise.all(
      live.map(async (server) => {
        try {
          return String(await sendRedisCommand(server.host, server.port, ['CLUSTER', 'INFO']));
        } catch (error) {
          return `error: ${(error as Error).message}`;
        }
      }),
    );
    const healthy = states.every(
      (info) =>
        info.includes('cluster_state:ok') &&
        info.includes('cluster_slots_ok:16384') &&
        info.includes(`cluster_known_nodes:${servers.length}`),
    );
    // Asked only once the cluster agrees, so that every node knows its role.
    const unsynced = healthy ? await unsyncedReplica(live) : undefined;
    if (healthy && unsynced === undefined) return;
    last = unsynced ?? states.find((info) => !info.includes('cluster_state:ok')) ?? states[0] ?? '';
    if (Date.now() > deadline) {
      throw new Error(
        `the Redis Cluster did not reach cluster_state:ok within ${timeoutMs} ms:\n${last}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The `INFO replication` of a replica whose first sync has not finished (or whose link to its
 * master is down), or `undefined` when every replica is in sync.
 */
async function unsyncedReplica(servers: readonly RedisServer[]): Promise<string | undefined> {
  const infos = await Promise.all(
    servers.map(async (server) => {
      try {
        return String(await sendRedisCommand(server.host, server.port, ['INFO', 'replication']));
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    }),
  );
  // Both ends: the replica has loaded its copy, and the master has put it online.
  return infos.find((info) =>
    info.includes('role:master')
      ? /^slave\d+:.*state=(?!online)/m.test(info)
      : !info.includes('master_link_status:up'),
  );
}

function runRedisCli(args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`redis-cli ${args.join(' ')} failed (${signal ?? code}):\n${output}`));
    });
  });
}
