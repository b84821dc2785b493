import { optionError } from '@layercache/core';

// Why reads must go to masters: Redis replicates asynchronously, so a replica can still hold a
// membership a remove() has just revoked on the master, and contains() would answer true — the
// wrong positive this package exists to avoid.
export const REPLICA_READS =
  'because a replica may still hold a membership that remove() has just revoked on the master ' +
  '(replication is asynchronous) and contains() would wrongly answer true';

/** Refuses an option of `createRedisCache`: an `InvalidArgumentError` naming it. */
export function fail(argument: string, problem: string): never {
  throw optionError('createRedisCache', argument, problem);
}
