import type { Redis } from 'ioredis';
import type { TrackingEvents, TrackingLink } from './link.js';
import { createRedirect, INVALIDATION_CHANNEL, type RedirectOptions } from './redirect.js';

export interface IoredisLinkOptions extends Omit<RedirectOptions, 'view'> {
  /**
   * What the server says of the topology, read on the store's connection at set-up and with
   * every fence (a Cluster node's slot map; see RedirectOptions).
   */
  readonly view?: (client: Redis) => Promise<string>;
  /** Options of the subscriber over those of `client` (a Cluster node's: reconnect). */
  readonly subscriberOptions?: object;
}

/**
 * Client-side caching on ioredis in redirect mode, which both majors support: ioredis 5 speaks
 * only RESP2, and ioredis 6 on RESP3 drops push frames it does not know (`invalidate`,
 * `tracking-redir-broken`) without an event. So the store's own connection `client` (which every
 * read of a standalone or Sentinel client goes through) runs `CLIENT TRACKING on REDIRECT <id>`
 * to a subscriber connection of the link's own, on RESP2, subscribed to `__redis__:invalidate`
 * (set-up, probe and fence: redirect.ts).
 */
export function createIoredisLink(
  client: Redis,
  events: TrackingEvents,
  options: IoredisLinkOptions,
): TrackingLink {
  const subscriber = client.duplicate({
    protocol: 2,
    // ioredis 6 refuses RESP3 reply types on RESP2; a borrowed client may have asked for them.
    replyMapping: 'legacy',
    autoResubscribe: false,
    enableAutoPipelining: false,
    lazyConnect: false,
    ...options.subscriberOptions,
  } as object);
  // Bumped when the subscriber connection closes: its id from before is gone.
  let subscriberGeneration = 0;
  const redirect = createRedirect(
    {
      isReady: () => client.status === 'ready',
      send: ([command, ...args]) => client.call(command!, ...args),
      // ioredis reports every new connection by 'close' and 'ready', where the link resets.
      socket: () => undefined,
    },
    events,
    { ...options, view: options.view === undefined ? undefined : () => options.view!(client) },
    {
      // After a Sentinel failover the subscriber may still be on the former master, where no
      // redirect from the store's connection can reach it: it reconnects, maybe elsewhere.
      replace() {
        if (subscriber.status === 'ready') subscriber.disconnect(true);
        else void redirect.establish();
      },
      detach() {
        client.off('close', onClose);
        client.off('ready', onReady);
      },
      release: () =>
        redirect.within(subscriber.quit()).then(
          () => {},
          () => subscriber.disconnect(),
        ),
    },
  );

  async function subscribe(): Promise<void> {
    const at = subscriberGeneration;
    try {
      const id = Number(await redirect.within(subscriber.client('ID')));
      await redirect.within(subscriber.subscribe(INVALIDATION_CHANNEL));
      if (at !== subscriberGeneration || redirect.closed) return;
      redirect.target({ id, ping: () => subscriber.ping() });
    } catch {
      // A subscriber that stayed up is replaced, later (see replace).
      if (at === subscriberGeneration) redirect.later();
    }
  }

  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
    if (channel.toString() === INVALIDATION_CHANNEL) redirect.message(message);
  });
  subscriber.on('ready', () => void subscribe());
  subscriber.on('close', () => {
    subscriberGeneration += 1;
    redirect.target(undefined);
  });
  // Failures surface as fences that do not complete; the store names the client's errors.
  subscriber.on('error', () => {});
  const onClose = () => redirect.reset('connection closed');
  const onReady = () => void redirect.establish();
  client.on('close', onClose);
  client.on('ready', onReady);

  return redirect;
}
