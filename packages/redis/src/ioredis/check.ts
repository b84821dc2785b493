import { describeValue } from '@layercache/core';
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { fail, REPLICA_READS } from '../refuse.js';
import { isCluster } from './client.js';

/** The checks of the ioredis-specific options (`redis`, `cluster`) and of a borrowed client. */

export function checkRedis(redis: RedisOptions): void {
  if (typeof redis !== 'object' || redis === null) {
    fail('redis', `must be an ioredis options object, got ${describeValue(redis)}`);
  }
  if (redis.keyPrefix) fail('redis', 'must not set keyPrefix: use the keyPrefix option');
  if (redis.role === 'slave') fail('redis', `must not set role "slave", ${REPLICA_READS}`);
  const db = redis.db;
  if (db !== undefined && !(Number.isSafeInteger(db) && db >= 0)) {
    fail('redis', `db must be a database number, got ${describeValue(db)}`);
  }
}

export function checkCluster(cluster: {
  readonly nodes: readonly unknown[];
  readonly options?: ClusterOptions;
}): void {
  if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes)) {
    fail('cluster', `must be { nodes, options? }, got ${describeValue(cluster)}`);
  }
  if (cluster.nodes.length === 0) fail('cluster', 'needs at least one startup node');
  if (cluster.options?.keyPrefix || cluster.options?.redisOptions?.keyPrefix) {
    fail('cluster', 'must not set keyPrefix: use the keyPrefix option');
  }
  const scaleReads = cluster.options?.scaleReads;
  if (scaleReads !== undefined && scaleReads !== 'master') {
    fail('cluster', `options.scaleReads must be "master" (or left out), ${REPLICA_READS}`);
  }
}

export function checkClient(client: unknown): void {
  const candidate = client as Partial<Redis> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.zscore !== 'function' ||
    typeof candidate.status !== 'string'
  ) {
    fail(
      'client',
      `must be an ioredis Redis or Cluster or a node-redis 6 client, got ${describeValue(client)}`,
    );
  }
  // A closed client never reconnects: every call would fail.
  if (candidate.status === 'end') {
    fail('client', 'has been closed (ioredis status "end"); pass a client that is not closed');
  }
  // An ioredis keyPrefix is added to command keys but not to SCAN patterns, so clear() would
  // miss or mangle keys: refuse it rather than half-support it.
  const options = (candidate as { options?: RedisOptions & ClusterOptions }).options;
  if (options?.keyPrefix || options?.redisOptions?.keyPrefix) {
    fail(
      'client',
      'must not have an ioredis keyPrefix: pass keyPrefix to createRedisCache instead',
    );
  }
  // Checked as configured: a borrowed client whose options are changed later is the caller's
  // responsibility (ioredis reads scaleReads on every command).
  if (isCluster(candidate)) {
    const scaleReads = options?.scaleReads;
    if (scaleReads !== undefined && scaleReads !== 'master') {
      const shown = typeof scaleReads === 'function' ? 'a function' : JSON.stringify(scaleReads);
      fail(
        'client',
        `is a Cluster with scaleReads ${shown}; it must be "master", ${REPLICA_READS}`,
      );
    }
  } else if (options?.role === 'slave') {
    fail('client', `is connected to a replica (role "slave"); use the master, ${REPLICA_READS}`);
  }
}
