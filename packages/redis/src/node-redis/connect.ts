import { InvalidArgumentError } from '@layercache/core';
import { urlCredentials } from '../credentials.js';
import { loadLibrary } from '../load.js';
import type { ClusterNodeAddress } from '../options.js';
import { NODE_REDIS_OWNED_SETTINGS, type OwnedSetting, withOwnedSettings } from '../owned.js';
import { createRedactor, redactUrl, sanitizeError } from '../redact.js';
import { queryDatabase } from '../url.js';
import type { NodeRedisConnection, NodeRedisHandle } from './driver.js';
import { watchNodeRedis } from './watch.js';

/** How to reach Redis with node-redis: a borrowed client, or what an owned one is made from. */
export interface NodeRedisSource {
  readonly client?: object | undefined;
  readonly url?: string | undefined;
  readonly redis?: object | undefined;
  readonly cluster?:
    | { readonly nodes: readonly ClusterNodeAddress[]; readonly options?: object | undefined }
    | undefined;
}

interface NodeRedisModule {
  createClient(options: object): NodeRedisHandle & { connect(): Promise<unknown> };
  createCluster(options: object): NodeRedisHandle & { connect(): Promise<unknown> };
}

// node-redis takes a Cluster's startup nodes as client options.
function rootNode(node: ClusterNodeAddress): object {
  if (typeof node === 'string') return { url: node };
  if (typeof node === 'number') return { socket: { host: '127.0.0.1', port: node } };
  return { socket: { host: node.host ?? '127.0.0.1', port: node.port ?? 6379 } };
}

/**
 * Borrows the caller's node-redis client, or creates and connects one the cache owns, with the
 * settings the adapter relies on ({@link NODE_REDIS_OWNED_SETTINGS}; the README renders them).
 */
export function openNodeRedis(
  source: NodeRedisSource,
  commandTimeoutMs: number,
): NodeRedisConnection {
  if (source.client !== undefined) {
    const client = source.client as NodeRedisHandle;
    return { client, owned: false, watch: watchNodeRedis(client, false, commandTimeoutMs) };
  }
  const { createClient, createCluster } = loadLibrary<NodeRedisModule>('node-redis');
  const owned = (given: object | undefined, connection: OwnedSetting['connection']) =>
    withOwnedSettings(given, NODE_REDIS_OWNED_SETTINGS, connection, commandTimeoutMs);
  let client: ReturnType<NodeRedisModule['createClient']>;
  try {
    if (source.cluster !== undefined) {
      const given = source.cluster.options as { defaults?: object } | undefined;
      client = createCluster({
        ...owned(given, 'cluster'),
        rootNodes: source.cluster.nodes.map(rootNode),
        defaults: owned(given?.defaults, 'cluster nodes'),
      });
    } else {
      const database = source.url === undefined ? undefined : queryDatabase(source.url);
      client = createClient(
        owned(
          {
            ...source.redis,
            ...(source.url === undefined ? {} : { url: source.url }),
            ...(database === undefined ? {} : { database }),
          },
          'standalone',
        ),
      );
    }
  } catch (error) {
    // node-redis may quote its options or the URL; the caller gets neither credential.
    const argument =
      source.cluster !== undefined ? 'cluster' : source.redis !== undefined ? 'redis' : 'url';
    const redactor = createRedactor(source.url === undefined ? [] : urlCredentials(source.url));
    const safe = sanitizeError(error, redactor);
    throw new InvalidArgumentError(
      argument,
      `createRedisCache: ${argument} was refused by node-redis: ${safe.message}` +
        (source.url === undefined ? '' : ` (${redactUrl(source.url)})`),
      { cause: safe },
    );
  }
  // Listening before connecting: node-redis throws an 'error' event nobody listens to.
  const watch = watchNodeRedis(client, true, commandTimeoutMs);
  // Failures reach callers through the watch ('error' events) and the readiness gate. A client
  // retries by itself once connected; a cluster whose first connection fails gives up (its
  // connect() rejects and it stays closed), so the cache tries again, as ioredis would.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let attempts = 0;
  const connect = () => {
    client.connect().then(
      () => {
        attempts = 0;
      },
      () => {
        if (stopped || client.isOpen) return;
        attempts += 1;
        timer = setTimeout(connect, Math.min(2000, 50 * 2 ** attempts));
        timer.unref();
      },
    );
  };
  connect();
  const stopConnecting = () => {
    stopped = true;
    clearTimeout(timer);
  };
  return { client, owned: true, watch, stopConnecting };
}
