import { createServer, type Server, type Socket } from 'node:net';
import { NEAR_METRICS } from '../src/index.js';
import { waitFor } from './servers.js';

/**
 * Counters recorded through a meter, by instrument name: a minimal OpenTelemetry Meter that
 * keeps sums (histograms are accepted and ignored).
 */
export function countingMeter() {
  const sums = new Map<string, number>();
  const meter = {
    createCounter: (name: string) => ({
      add: (value: number) => sums.set(name, (sums.get(name) ?? 0) + value),
    }),
    createHistogram: () => ({ record: () => {} }),
  };
  return { meter: meter as never, count: (name: string) => sums.get(name) ?? 0 };
}

/**
 * Reads until the near cache answers a hit (tracking set up and a fence completed); `count` is
 * {@link countingMeter}'s.
 */
export async function untilNearHit(
  count: (name: string) => number,
  read: () => Promise<unknown>,
  what = 'a near hit',
): Promise<void> {
  await waitFor(
    async () => {
      const before = count(NEAR_METRICS.hits);
      await read();
      return count(NEAR_METRICS.hits) > before;
    },
    5000,
    what,
  );
}

/**
 * A TCP proxy in front of Redis that can freeze: bytes in both directions are held (not
 * dropped) and sockets stay open, as on a link that went silent; `resume` lets them through.
 */
export interface FreezingProxy {
  readonly url: string;
  /** Holds bytes in both directions on every connection. */
  freeze(): void;
  /**
   * Holds only what Redis sends back on the connections whose proxy-to-Redis local port `pick`
   * accepts (as `CLIENT LIST` shows it in `addr=`): commands still reach Redis and run.
   */
  holdReplies(pick: (port: number) => boolean): void;
  /** The proxy-to-Redis local ports of the open connections. */
  ports(): number[];
  resume(): void;
  close(): Promise<void>;
}

export async function startFreezingProxy(targetPort: number): Promise<FreezingProxy> {
  let frozen = false;
  let holding: ((port: number) => boolean) | undefined;
  const pipes: Array<{ port: () => number; flush(): void; destroy(): void }> = [];
  const { connect } = await import('node:net');
  const server: Server = createServer((client: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const held: Array<[Socket, Buffer]> = [];
    const forward = (to: Socket) => (chunk: Buffer) => {
      const hold = frozen || (to === client && holding?.(upstream.localPort ?? -1) === true);
      if (hold) held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', destroy);
    pipes.push({
      port: () => upstream.localPort ?? -1,
      flush() {
        for (const [to, chunk] of held.splice(0)) to.write(chunk);
      },
      destroy,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    freeze() {
      frozen = true;
    },
    holdReplies(pick) {
      holding = pick;
    },
    ports: () => pipes.map((pipe) => pipe.port()),
    resume() {
      frozen = false;
      holding = undefined;
      for (const pipe of pipes) pipe.flush();
    },
    async close() {
      for (const pipe of pipes) pipe.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
