import type { Cluster } from 'ioredis';

/**
 * Whether a client (ours or a borrowed one) is a Redis Cluster client. Read from ioredis' own
 * flag rather than `instanceof`, which fails when the caller's ioredis is another copy.
 */
export function isCluster(client: unknown): client is Cluster {
  return (client as Partial<Cluster> | undefined)?.isCluster === true;
}
