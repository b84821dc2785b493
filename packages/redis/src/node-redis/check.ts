import { describeValue } from '@layercache/core';
import { nodeRedisKind } from '../clients.js';
import { fail, REPLICA_READS } from '../refuse.js';

/** The checks of node-redis options (`redis`, `cluster` with `driver: 'node-redis'`) and clients. */

interface NodeRedisOptions {
  readonly keyPrefix?: unknown;
  readonly readonly?: unknown;
  readonly database?: unknown;
  readonly useReplicas?: unknown;
  readonly defaults?: NodeRedisOptions;
}

function checkCommon(argument: string, options: NodeRedisOptions | undefined): void {
  if (options === undefined) return;
  // node-redis adds a keyPrefix to command keys but not to SCAN patterns: clear() would miss keys.
  if (options.keyPrefix) fail(argument, 'must not set keyPrefix: use the keyPrefix option');
  if (options.readonly) fail(argument, `must not set readonly, ${REPLICA_READS}`);
  if (options.useReplicas) fail(argument, `must not set useReplicas, ${REPLICA_READS}`);
  const database = options.database;
  if (database !== undefined && !(Number.isSafeInteger(database) && Number(database) >= 0)) {
    fail(argument, `database must be a database number, got ${describeValue(database)}`);
  }
}

export function checkNodeRedisOptions(redis: NodeRedisOptions): void {
  if (typeof redis !== 'object' || redis === null) {
    fail('redis', `must be a node-redis createClient options object, got ${describeValue(redis)}`);
  }
  // ioredis' Sentinel options: node-redis' createClient would ignore them and connect to
  // localhost instead.
  if ((redis as { sentinels?: unknown }).sentinels !== undefined) {
    fail(
      'redis',
      'sentinels is an ioredis option: with driver "node-redis", lend a createSentinel() client ' +
        'as client, or use driver "ioredis"',
    );
  }
  checkCommon('redis', redis);
}

export function checkNodeRedisCluster(cluster: {
  readonly nodes?: unknown;
  readonly options?: NodeRedisOptions;
}): void {
  if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes)) {
    fail('cluster', `must be { nodes, options? }, got ${describeValue(cluster)}`);
  }
  if (cluster.nodes.length === 0) fail('cluster', 'needs at least one startup node');
  checkCommon('cluster', cluster.options);
  checkCommon('cluster', cluster.options?.defaults);
}

/**
 * Why a `createClientPool()` pool is refused. It has the command methods and `isOpen` of a client,
 * so it would be taken for one and then never be ready (it has no `isReady`): every call would
 * time out.
 */
export const CLIENT_POOL_REFUSAL =
  'is a node-redis client pool (createClientPool): the cache follows the state of one ' +
  'connection (ready, reconnecting) and a pool has none of its own; lend a createClient() client, ' +
  'whose one connection pipelines every call, or give url or redis with driver: "node-redis"';

function isClientPool(client: object): boolean {
  const candidate = client as { execute?: unknown; totalClients?: unknown };
  return typeof candidate.execute === 'function' && typeof candidate.totalClients === 'number';
}

/**
 * The options a borrowed client was created with, where node-redis lets them be read back: a
 * client's `options`, a cluster's `_options` (with its nodes' `defaults`), and of a sentinel's only
 * `_keyPrefix`. A sentinel's `replicaPoolSize` cannot be read, so it is not refused: the cache's
 * reads go to its master whatever it says (driver.ts, `rawSend`).
 */
function optionsOf(
  client: object,
  kind: ReturnType<typeof nodeRedisKind>,
): NodeRedisOptions | undefined {
  if (kind === 'cluster') return (client as { _options?: NodeRedisOptions })._options;
  if (kind === 'sentinel') return { keyPrefix: (client as { _keyPrefix?: unknown })._keyPrefix };
  return (client as { options?: NodeRedisOptions }).options;
}

export function checkNodeRedisClient(client: object): void {
  if (isClientPool(client)) fail('client', CLIENT_POOL_REFUSAL);
  // A lease of a Sentinel client (`acquire()`) has the commands of a client but no events.
  if (typeof (client as { on?: unknown }).on !== 'function') {
    fail(
      'client',
      "has no events to follow (a lease from a Sentinel client's acquire()?): lend the " +
        'createSentinel() client itself',
    );
  }
  // node-redis never connects by itself, and a closed client stays closed: every call would fail.
  if ((client as { isOpen?: boolean }).isOpen === false) {
    fail('client', 'is not open (node-redis); call `await client.connect()` before lending it');
  }
  const options = optionsOf(client, nodeRedisKind(client));
  checkCommon('client', options);
  checkCommon('client', options?.defaults);
}
