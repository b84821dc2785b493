import type { TrackingEvents, TrackingLink, TrackingLinkOptions } from '../near/link.js';
import { createRedirect, INVALIDATION_CHANNEL } from '../near/redirect.js';

/** The members of a node-redis 6 connection (`createClient`) the link uses. */
export interface NodeRedisTrackedClient {
  readonly isReady: boolean;
  /** Bumped by node-redis each time a new socket becomes ready. */
  readonly socketEpoch?: number;
  readonly options?: { readonly socket?: object };
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides: object): Subscriber;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The link's own subscriber connection. */
type Subscriber = Omit<NodeRedisTrackedClient, 'duplicate'> & {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: unknown) => void): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): unknown;
};

/**
 * Client-side caching on node-redis 6 in redirect mode. node-redis delivers RESP3 `invalidate`
 * pushes only to a client created with `emitInvalidate` or `clientSideCache` (which also turn
 * tracking on in its own handshake, without a redirect), and only on RESP3: a borrowed client has
 * neither, and a RESP2 one cannot receive pushes at all. Redirect mode works for every client the
 * cache accepts, on both protocols, as on ioredis (set-up, probe and fence: near/redirect.ts): the
 * store's connection `client` — a standalone node-redis client has one socket, and every command
 * of the store goes through it — runs `CLIENT TRACKING on REDIRECT <id>` to a subscriber of the
 * link's own, on RESP2, subscribed to `__redis__:invalidate`. node-redis' RESP2 decoder hands a
 * message on that channel to the listener as the array of keys (`null` for FLUSHALL), and
 * resolves a `PING` sent in Pub/Sub mode in stream order after the messages before it: so the
 * fence proves what it proves on ioredis.
 *
 * The subscriber never reconnects by itself (node-redis would resubscribe before the link could
 * ask the new connection's id, which `CLIENT ID` cannot tell in Pub/Sub mode): a lost one is
 * replaced by a new one. A lost store connection is reconnected by node-redis; tracking is reset
 * as the socket goes and set up again at its `ready`, and a fence also checks that the socket is
 * still the one tracking was proven on (`socketEpoch`).
 */
export function createNodeRedisLink(
  client: NodeRedisTrackedClient,
  events: TrackingEvents,
  options: TrackingLinkOptions,
): TrackingLink {
  // The subscriber tracking is redirected to, and one being opened (destroyed if the link closes).
  let subscriber: Subscriber | undefined;
  let opening: Subscriber | undefined;
  const redirect = createRedirect(
    {
      isReady: () => client.isReady,
      send: (args) => client.sendCommand([...args]),
      socket: () => client.socketEpoch,
    },
    events,
    options,
    {
      replace() {
        drop(subscriber);
        void open();
      },
      detach() {
        for (const event of lost) client.off(event, onLost);
        client.off('ready', onReady);
      },
      release() {
        const connections = [subscriber, opening];
        subscriber = undefined;
        for (const connection of connections) drop(connection);
      },
    },
  );

  /** Forgets a subscriber connection and what tracking into it proved. */
  function drop(connection: Subscriber | undefined): void {
    if (connection === undefined) return;
    if (subscriber === connection) {
      subscriber = undefined;
      redirect.target(undefined);
    }
    try {
      connection.destroy();
    } catch {
      // Already closed.
    }
  }

  /** Opens a subscriber connection; tracking is then set up into it. */
  async function open(): Promise<void> {
    if (redirect.closed || opening !== undefined || subscriber !== undefined) return;
    let connection: Subscriber | undefined;
    try {
      connection = opening = client.duplicate({
        RESP: 2,
        // RESP3-only features of a borrowed client would make a RESP2 duplicate throw.
        clientSideCache: undefined,
        emitInvalidate: undefined,
        maintNotifications: 'disabled',
        pingInterval: undefined,
        socket: { ...client.options?.socket, reconnectStrategy: false },
      });
      const created = connection;
      // Any failure ends this subscriber (it does not reconnect); a new one is opened later.
      // These surface as fences that do not complete; the store names the client's own errors.
      const lost = () => {
        const current = subscriber === created;
        drop(created);
        if (current) redirect.later();
      };
      created.on('error', lost);
      created.on('end', lost);
      await redirect.within(created.connect());
      // Asked before subscribing: in Pub/Sub mode (RESP2) only PING and (un)subscribe run.
      const id = Number(await redirect.within(created.sendCommand(['CLIENT', 'ID'])));
      await redirect.within(
        created.subscribe(INVALIDATION_CHANNEL, (message) => redirect.message(message)),
      );
      if (redirect.closed || !created.isReady) {
        drop(created);
        return;
      }
      subscriber = created;
      redirect.target({ id, ping: () => created.ping() });
    } catch {
      drop(connection);
      redirect.later();
    } finally {
      opening = undefined;
    }
  }

  // Every way node-redis reports the store connection lost, each emitted as the socket goes,
  // before anything of the next one is read: `reconnecting` (it retries), `terminated` (it gave
  // up), `end` (closed). The commands in flight on it were rejected; those not yet written go out
  // on the next socket, where tracking is off. Not `error`: the watch (watch.ts) tells from the
  // number of `error` listeners whether a borrowed client's owner has one of their own.
  const onLost = () => {
    redirect.reset('connection closed');
    void redirect.establish();
  };
  const onReady = () => void (subscriber === undefined ? open() : redirect.establish());
  const lost = ['reconnecting', 'terminated', 'end'];
  for (const event of lost) client.on(event, onLost);
  client.on('ready', onReady);
  void open();

  return redirect;
}
