/**
 * `confirmRevocations` on node-redis, until the confirmer of ioredis/confirm.ts (a link per
 * master, a marker write, `WAIT`) is ported to it: a revocation that would have to be confirmed
 * is refused rather than resolved unconfirmed, so that no caller takes a revocation a failover can
 * undo for a safe one. Where nothing needs confirming (`false`, or `'auto'` without a replica) it
 * is sent as usual.
 */
import type { ConfirmerOptions, RevocationCommands, RevocationConfirmer } from '../confirm.js';

/**
 * Why a revocation is refused on node-redis: it would have to be confirmed by a replica, which
 * that driver cannot do yet. Reaches the caller as the `cause` of core's `UnavailableError`
 * (its `name` is kept; the store's errors are copies without credentials).
 *
 * @example
 * ```ts
 * await cache.remove(repo, digest).catch((error) => {
 *   if (error.cause?.name === 'RevocationConfirmationUnavailableError') {
 *     // set confirmRevocations: false, or use the ioredis driver
 *   }
 *   throw error;
 * });
 * ```
 */
export class RevocationConfirmationUnavailableError extends Error {
  override readonly name = 'RevocationConfirmationUnavailableError';
}

export const NODE_REDIS_CONFIRM_REFUSAL =
  'confirmation of revocations by a replica is not available with the node-redis driver yet; ' +
  'nothing was revoked. Use the ioredis driver, or set confirmRevocations: false to accept ' +
  'revocations a failover may undo';

/**
 * `INFO replication` of every master the connection writes to (one; every master of a cluster,
 * since node-redis lists a cluster's replicas only with `useReplicas`).
 */
export type ReplicaProbe = () => Promise<readonly unknown[]>;

/** How often a deployment seen without a replica is asked again (as ioredis/confirm.ts). */
const REFRESH_MS = 5000;
const REPLY_ERRORS = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

function within<T>(asked: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`INFO replication: no answer from Redis within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([asked, late]).finally(() => clearTimeout(timer));
}

export function createNodeRedisConfirmer(
  probe: ReplicaProbe,
  main: RevocationCommands,
  { mode, commandTimeoutMs }: ConfirmerOptions,
): RevocationConfirmer {
  // Sticky, as on ioredis: a replica that stopped answering is exactly when confirming matters.
  let replicated = false;
  let checkedAt: number | undefined;
  let checking: Promise<void> | undefined;

  function check(): Promise<void> {
    checking ??= within(probe(), commandTimeoutMs)
      .then(
        (infos) => {
          for (const info of infos) {
            const count = /connected_slaves:(\d+)/.exec(String(info ?? ''));
            if (count !== null && Number(count[1]) > 0) replicated = true;
          }
        },
        (error: unknown) => {
          // Refused (an ACL without INFO): asked again later, as on ioredis.
          if (error instanceof Error && REPLY_ERRORS.has(error.name)) return;
          throw error;
        },
      )
      .finally(() => {
        checkedAt = Date.now();
        checking = undefined;
      });
    return checking;
  }

  /** Resolves when the revocation can be sent unconfirmed; rejects when it must be refused. */
  async function mayGoUnconfirmed(what: string, startedAt: number): Promise<void> {
    if (mode === true) {
      throw new RevocationConfirmationUnavailableError(
        `${what}: confirmRevocations is true, but ${NODE_REDIS_CONFIRM_REFUSAL}`,
      );
    }
    if (!replicated && (checkedAt === undefined || Date.now() - checkedAt > REFRESH_MS)) {
      await check();
    }
    if (replicated) {
      throw new RevocationConfirmationUnavailableError(
        `${what}: the deployment has replicas and ${NODE_REDIS_CONFIRM_REFUSAL}`,
      );
    }
    // Answered late (Redis was frozen): core has told the caller it failed, and a revocation sent
    // now could delete what the caller writes next.
    if (performance.now() - startedAt > commandTimeoutMs) {
      throw new Error(`${what}: not sent, the replica check took longer than commandTimeoutMs`);
    }
  }

  return {
    revoke(key, command, send) {
      if (mode === false) return send(main);
      return mayGoUnconfirmed(`${command} ${key}`, performance.now()).then(() => send(main));
    },
    async clear(unconfirmed) {
      if (mode !== false) await mayGoUnconfirmed('clear()', performance.now());
      return unconfirmed();
    },
    async close() {},
  };
}
