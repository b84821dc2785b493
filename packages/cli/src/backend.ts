import { statSync } from 'node:fs';
import { isInvalidArgumentError, type LayerInfoCache } from '@layercache/core';
import type { BackendChoice } from './args.js';
import { UsageError } from './io.js';

/** Opens a Redis cache with one client library; `urls` has one URL, or one per Cluster node. */
type RedisDriver = (
  urls: readonly string[],
  keyPrefix: string | undefined,
) => Promise<LayerInfoCache>;

// Every driver name the CLI knows. `undefined`: a known library this version cannot drive yet —
// adding one is adding its opener here.
const DRIVERS: Record<string, RedisDriver | undefined> = {
  ioredis: openWithIoredis,
  'node-redis': openWithNodeRedis,
};

/** `redis://user:***@host:port/db`: a URL as it may appear in a message. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** Names the cache in messages, without credentials. */
export function describeBackend(backend: BackendChoice): string {
  if (backend.kind === 'sqlite') return backend.filename;
  return backend.urls.map(redact).join(', ');
}

/**
 * Opens the cache the command line names. The adapters load only when used. An option the
 * adapter refuses (a malformed URL, a bad prefix) is the user's mistake: a usage error.
 */
export async function openCache(backend: BackendChoice, command: string): Promise<LayerInfoCache> {
  try {
    return await open(backend, command);
  } catch (error) {
    if (isInvalidArgumentError(error)) throw new UsageError(error.message, command);
    throw error;
  }
}

async function open(backend: BackendChoice, command: string): Promise<LayerInfoCache> {
  if (backend.kind === 'sqlite') {
    // Opening a missing file would create an empty cache and "verify" it: a typo must fail.
    let isFile = false;
    try {
      isFile = statSync(backend.filename).isFile();
    } catch {
      // Reported below.
    }
    if (!isFile) throw new UsageError(`--sqlite ${backend.filename}: no such cache file`, command);
    const { createSqliteCache } = await import('@layercache/sqlite');
    return createSqliteCache({ filename: backend.filename });
  }
  if (!Object.hasOwn(DRIVERS, backend.driver)) {
    throw new UsageError(
      `unknown --driver "${backend.driver}" (known: ${Object.keys(DRIVERS).join(', ')})`,
      command,
    );
  }
  const driver = DRIVERS[backend.driver];
  if (driver === undefined) {
    throw new UsageError(
      `--driver ${backend.driver} is not supported by this version of @layercache/cli; ` +
        'use --driver ioredis (the default)',
      command,
    );
  }
  return driver(backend.urls, backend.prefix);
}

/** The URLs checked once, for either library: Redis URLs, and no database number on a Cluster. */
function clusterNodes(urls: readonly string[]): URL[] {
  return urls.map((url) => {
    let node: URL;
    try {
      node = new URL(url);
    } catch {
      throw new UsageError(`--redis ${redact(url)} is not a URL`);
    }
    if (node.protocol !== 'redis:' && node.protocol !== 'rediss:') {
      throw new UsageError(`--redis ${redact(url)} must start with redis:// or rediss://`);
    }
    if (node.pathname !== '' && node.pathname !== '/') {
      throw new UsageError(`--redis ${redact(url)}: a Redis Cluster has no database numbers`);
    }
    return node;
  });
}

async function openWithNodeRedis(
  urls: readonly string[],
  keyPrefix: string | undefined,
): Promise<LayerInfoCache> {
  const { createRedisCache } = await import('@layercache/redis');
  if (urls.length === 1)
    return createRedisCache({ url: urls[0]!, keyPrefix, driver: 'node-redis' });
  // node-redis takes every startup node as a URL, credentials and TLS included.
  const nodes = clusterNodes(urls).map((node) => node.toString());
  return createRedisCache({ cluster: { nodes }, keyPrefix, driver: 'node-redis' });
}

async function openWithIoredis(
  urls: readonly string[],
  keyPrefix: string | undefined,
): Promise<LayerInfoCache> {
  const { createRedisCache } = await import('@layercache/redis');
  if (urls.length === 1) return createRedisCache({ url: urls[0]!, keyPrefix });
  // A Cluster: every URL is a startup node; credentials and TLS come from the first.
  const parsed = clusterNodes(urls);
  const first = parsed[0]!;
  return createRedisCache({
    cluster: {
      nodes: parsed.map((node) => ({ host: node.hostname, port: Number(node.port || 6379) })),
      options: {
        redisOptions: {
          ...(first.username !== '' && { username: decodeURIComponent(first.username) }),
          ...(first.password !== '' && { password: decodeURIComponent(first.password) }),
          ...(first.protocol === 'rediss:' && { tls: {} }),
        },
      },
    },
    keyPrefix,
  });
}
