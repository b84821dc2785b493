import { nodeRedisKind } from '../clients.js';
import { nodeRedisCredentials } from '../credentials.js';
import { type FailureNaming, nameConnectionFailure } from '../errors.js';
import { createRedactor } from '../redact.js';

/** The members of a node-redis client (standalone, cluster or sentinel) the watch reads. */
export interface WatchedClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
}

/** What the cache knows about a node-redis connection beyond `isReady`. */
export interface NodeRedisWatch {
  readonly kind: 'client' | 'cluster' | 'sentinel';
  /** The connection's last failure since it was last ready, named and sanitized. */
  readonly lastError: () => Error | undefined;
  /** `true` between a lost connection and the next `ready`: calls then fail at once. */
  readonly reconnecting: () => boolean;
  /** `true` once the connection has been ready: failures before that are the first connect's. */
  readonly everReady: () => boolean;
  readonly naming: FailureNaming;
  /** Removes the listeners (a borrowed client outlives the cache). */
  stop(): void;
}

// node-redis' "I gave up on this command because the connection failed" errors.
const GIVE_UPS = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'SocketClosedUnexpectedlyError',
  'DisconnectsClientError',
]);

function nameOf(error: unknown): string {
  return String((error as { constructor?: { name?: unknown } } | null)?.constructor?.name);
}

interface Options {
  readonly url?: unknown;
  readonly username?: unknown;
  readonly socket?: { readonly host?: unknown; readonly port?: unknown; readonly path?: unknown };
}

function optionsOf(client: object): Options {
  const { options, _options } = client as { options?: Options; _options?: Options };
  return options ?? _options ?? {};
}

function endpointOf(options: Options): string | undefined {
  const socket = options.socket;
  if (typeof socket?.path === 'string') return socket.path;
  if (typeof socket?.host === 'string') return `${socket.host}:${String(socket.port ?? 6379)}`;
  if (typeof options.url === 'string') {
    try {
      const url = new URL(options.url);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function userOf(options: Options): string | undefined {
  if (typeof options.username === 'string') return options.username;
  if (typeof options.url !== 'string') return undefined;
  try {
    return decodeURIComponent(new URL(options.url).username) || undefined;
  } catch {
    return undefined;
  }
}

/** Watches a node-redis client (owned or borrowed) for the rest of the cache's life. */
export function watchNodeRedis(
  client: WatchedClient,
  owned: boolean,
  timeoutMs: number,
): NodeRedisWatch {
  const kind = nodeRedisKind(client);
  const options = optionsOf(client);
  const redactor = createRedactor(nodeRedisCredentials(options));
  const endpoint = kind === 'cluster' ? undefined : endpointOf(options);
  let lastError: Error | undefined;
  let reconnecting = false;
  let everReady = client.isReady;
  const naming: FailureNaming = {
    redactor,
    username: userOf(options),
    endpoint,
    isGiveUp: (error) => GIVE_UPS.has(nameOf(error)),
    isTimeout: (error) => nameOf(error) === 'TimeoutError',
    lastError: () => lastError,
    timeoutMs,
    state: () =>
      client.isReady
        ? undefined
        : describeState(client, { reconnecting: () => reconnecting, naming }),
  };

  function onError(error: unknown): void {
    if (naming.isGiveUp(error)) return;
    const named = nameConnectionFailure(error, naming);
    lastError = named;
    // Our listener keeps node-redis from throwing an unhandled 'error' event; a borrowed client
    // whose owner has no listener of their own still gets it printed, redacted.
    if (!owned && client.listenerCount('error') === 1) {
      console.error('[node-redis] error event:', named.stack);
    }
  }
  const onReconnecting = () => {
    reconnecting = true;
  };
  const onReady = () => {
    reconnecting = false;
    everReady = true;
    lastError = undefined;
  };
  // A cluster has no 'ready' of its own: it is ready once it has connected to its nodes.
  const readyEvent = kind === 'cluster' ? 'connect' : 'ready';
  client.on('error', onError);
  client.on('reconnecting', onReconnecting);
  client.on(readyEvent, onReady);
  return {
    kind,
    lastError: () => lastError,
    reconnecting: () => reconnecting,
    everReady: () => everReady,
    naming,
    stop() {
      client.off('error', onError);
      client.off('reconnecting', onReconnecting);
      client.off(readyEvent, onReady);
    },
  };
}

/** `node-redis: reconnecting, 127.0.0.1:6379` */
export function describeState(
  client: WatchedClient,
  watch: Pick<NodeRedisWatch, 'reconnecting' | 'naming'>,
): string {
  const state = !client.isOpen
    ? 'closed'
    : client.isReady
      ? 'ready'
      : watch.reconnecting()
        ? 'reconnecting'
        : 'connecting';
  const endpoint = watch.naming.endpoint;
  return `node-redis: ${state}${endpoint ? `, ${endpoint}` : ''}`;
}
