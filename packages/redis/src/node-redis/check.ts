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

export function checkNodeRedisClient(client: object): void {
  const kind = nodeRedisKind(client);
  const { options, isOpen } = client as { options?: NodeRedisOptions; isOpen?: boolean };
  // node-redis never connects by itself, and a closed client stays closed: every call would fail.
  if (isOpen === false) {
    fail('client', 'is not open (node-redis); call `await client.connect()` before lending it');
  }
  checkCommon('client', options);
  if (kind === 'sentinel') {
    const replicas = (options as { replicaPoolSize?: unknown } | undefined)?.replicaPoolSize;
    if (typeof replicas === 'number' && replicas > 0) {
      fail('client', `is a Sentinel client with replicaPoolSize ${replicas}, ${REPLICA_READS}`);
    }
  }
}
