import type { Cluster, Redis } from 'ioredis';
import { ioredisCredentials } from '../credentials.js';
import { type FailureNaming, nameConnectionFailure } from '../errors.js';
import { createRedactor, type Redactor, redactUrl, sanitizeError } from '../redact.js';
import { isCluster } from './client.js';

/**
 * What the cache knows about its ioredis client's connection beyond `status`: why it last failed
 * (ioredis itself only tells the commands it gives up on "Reached the max retries per request
 * limit"), and whether the database it was told to use could be selected.
 */
export interface ClientWatch {
  /** The connection's last failure since it was last ready, named and sanitized. */
  lastError: Error | undefined;
  /**
   * Set while the current connection failed to `SELECT` its database: ioredis then only emits an
   * error and goes on with database 0 — another cache's data. Every call fails while it is set.
   */
  databaseError: Error | undefined;
  /**
   * `true` while the database of a borrowed connection that was already up when the cache got it
   * is being checked (its SELECT happened before anyone here listened): calls wait for the check.
   */
  verifying: boolean;
  /**
   * Called when {@link databaseError} is set or {@link verifying} ends, so that calls waiting for
   * the connection go on (or fail) at once.
   */
  onDatabaseChange: (() => void) | undefined;
  /** The database the client selects (0 for a Cluster). */
  readonly database: number;
  readonly naming: FailureNaming;
  /** Removes the listeners (a borrowed client outlives the cache). */
  stop(): void;
}

// ioredis' "I gave up on this command because the connection failed" errors.
function isGiveUp(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    name === 'MaxRetriesPerRequestError' ||
    message === 'Connection is closed.' ||
    (typeof message === 'string' && message.startsWith('Reached the max retries per request'))
  );
}

function isTimeout(error: unknown): boolean {
  return (error as { message?: unknown } | null)?.message === 'Command timed out';
}

function endpointOf(client: Redis | Cluster): string | undefined {
  if (isCluster(client)) return undefined;
  const { host, port, path } = client.options as { host?: string; port?: number; path?: string };
  return path ?? (host !== undefined ? `${host}:${port ?? 6379}` : undefined);
}

/**
 * A borrowed connection that is already up selected its database (or failed to, and went on with
 * database 0) before the cache could listen. Asking for the same database again is harmless when
 * it worked, and tells when it did not.
 */
function verifyDatabase(client: Redis, watch: ClientWatch, redactor: Redactor): void {
  watch.verifying = true;
  client.select(watch.database).then(
    () => {
      watch.verifying = false;
      watch.onDatabaseChange?.();
    },
    (error: unknown) => {
      watch.verifying = false;
      watch.databaseError = sanitizeError(
        error,
        redactor,
        `cannot select database ${watch.database}: ${nameConnectionFailure(error, watch.naming).message}`,
      );
      watch.lastError = watch.databaseError;
      watch.onDatabaseChange?.();
    },
  );
}

// `host:port` of a Cluster's startup nodes, for a message (a few; never a URL's user info).
function startupNodesOf(client: Redis | Cluster): string {
  const nodes = (client as { startupNodes?: unknown }).startupNodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return 'any startup node';
  const shown = nodes.slice(0, 3).map((node) => {
    if (typeof node === 'object' && node !== null) {
      const { host, port } = node as { host?: string; port?: number };
      return `${host ?? 'localhost'}:${port ?? 6379}`;
    }
    return typeof node === 'number' ? `localhost:${node}` : redactUrl(String(node));
  });
  return `any startup node (${shown.join(', ')}${nodes.length > 3 ? ', …' : ''})`;
}

/**
 * Watches a client (owned or borrowed) for the rest of the cache's life. An owned client whose
 * `SELECT` failed is also disconnected and left to reconnect, so that it never sits ready on
 * database 0 and recovers by itself once the database can be selected.
 */
export function watchClient(
  client: Redis | Cluster,
  owned: boolean,
  timeoutMs: number,
): ClientWatch {
  const options = client.options as Record<string, unknown> & {
    username?: string;
    db?: number | string;
    redisOptions?: { username?: string };
  };
  const redactor: Redactor = createRedactor(
    ioredisCredentials(options, (client as { startupNodes?: unknown }).startupNodes),
  );
  const cluster = isCluster(client);
  const database = cluster ? 0 : Number(options.db ?? 0) || 0;
  const watch: ClientWatch = {
    lastError: undefined,
    databaseError: undefined,
    verifying: false,
    onDatabaseChange: undefined,
    database,
    naming: {
      redactor,
      username: cluster ? options.redisOptions?.username : options.username,
      endpoint: endpointOf(client),
      isGiveUp,
      isTimeout,
      lastError: () => watch.lastError,
      timeoutMs,
      state: () => {
        if (client.status === 'ready') return undefined;
        const endpoint = endpointOf(client);
        return `ioredis status "${client.status}"${endpoint ? `, ${endpoint}` : ''}`;
      },
    },
    stop() {
      client.off('error', onError);
      client.off('node error', onNodeError);
      client.off('connect', onConnect);
      client.off('ready', onReady);
    },
  };

  // A Cluster node's own last failure: a Cluster's "Failed to refresh slots cache." often only
  // carries "Connection is closed." as its last node error, and this says why.
  let nodeError: Error | undefined;
  function onNodeError(error: unknown): void {
    if (isGiveUp(error)) return;
    nodeError = nameConnectionFailure(error, watch.naming);
    watch.lastError = nodeError;
  }

  function onError(error: unknown): void {
    // "Gave up on a command" says nothing new: keep what made the connection fail.
    if (isGiveUp(error)) return;
    const inner = (error as { lastNodeError?: unknown } | null)?.lastNodeError;
    let named: Error;
    if (inner !== undefined && isGiveUp(inner)) {
      // ioredis asks for the slots on a throwaway connection whose own error it swallows.
      const why = nodeError?.message ?? `could not connect to ${startupNodesOf(client)}`;
      named = sanitizeError(error, redactor, `${(error as Error).message} (${why})`);
    } else {
      named = nameConnectionFailure(error, watch.naming);
    }
    const command = (error as { command?: { name?: unknown } } | null)?.command?.name;
    if (command === 'select') {
      watch.databaseError = sanitizeError(
        error,
        redactor,
        `cannot select database ${database}: ${named.message}`,
      );
      watch.lastError = watch.databaseError;
      if (owned) client.disconnect(true);
      watch.onDatabaseChange?.();
    } else {
      watch.lastError = named;
    }
    // Our listener keeps ioredis from printing errors nobody listens to; keep that for a
    // borrowed client whose owner has no listener of their own, redacted.
    if (!owned && client.listenerCount('error') === 1) {
      console.error('[ioredis] Unhandled error event:', named.stack);
    }
  }
  // A new connection sends SELECT again.
  function onConnect(): void {
    watch.databaseError = undefined;
  }
  function onReady(): void {
    nodeError = undefined;
    if (watch.databaseError === undefined) watch.lastError = undefined;
  }

  client.on('error', onError);
  if (cluster) client.on('node error', onNodeError);
  client.on('connect', onConnect);
  client.on('ready', onReady);
  if (!owned && database !== 0 && (client.status === 'ready' || client.status === 'connect')) {
    verifyDatabase(client as Redis, watch, redactor);
  }
  return watch;
}
