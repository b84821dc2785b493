/**
 * `confirmRevocations` on node-redis, until the confirmer of ioredis/confirm.ts (a link per
 * master, a marker write, `WAIT`) is ported to it: a revocation that would have to be confirmed
 * is refused rather than resolved unconfirmed, so that no caller takes a revocation a failover can
 * undo for a safe one. Where nothing needs confirming (`false`, or `'auto'` without a replica) it
 * is sent as usual.
 */
import type { ConfirmerOptions, RevocationCommands, RevocationConfirmer } from '../confirm.js';

/** Why a revocation is refused on node-redis (the `cause` of core's `UnavailableError`). */
export class RevocationConfirmationUnavailableError extends Error {
  override readonly name = 'RevocationConfirmationUnavailableError';
}

export const NODE_REDIS_CONFIRM_REFUSAL =
  'confirmation of revocations by a replica is not available with the node-redis driver yet; ' +
  'nothing was revoked. Use the ioredis driver, or set confirmRevocations: false to accept ' +
  'revocations a failover may undo';

/** What the node-redis confirmer asks the connection. */
export interface ReplicaProbe {
  readonly kind: 'client' | 'cluster' | 'sentinel';
  /** A cluster's replicas, as node-redis knows them from `CLUSTER SLOTS`. */
  readonly replicas?: readonly unknown[];
  info?(section: string): Promise<unknown>;
}

/** How often a deployment seen without a replica is asked again (as ioredis/confirm.ts). */
const REFRESH_MS = 5000;
const REPLY_ERRORS = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

export function createNodeRedisConfirmer(
  probe: ReplicaProbe,
  main: RevocationCommands,
  { mode }: ConfirmerOptions,
): RevocationConfirmer {
  // Sticky, as on ioredis: a replica that stopped answering is exactly when confirming matters.
  let replicated = false;
  let checkedAt: number | undefined;
  let checking: Promise<void> | undefined;

  function check(): Promise<void> {
    if (probe.kind === 'sentinel') {
      // A Sentinel deployment is one of replicas (and its master's INFO is not always allowed).
      replicated = true;
      return Promise.resolve();
    }
    if (probe.kind === 'cluster') {
      if ((probe.replicas?.length ?? 0) > 0) replicated = true;
      return Promise.resolve();
    }
    checking ??= Promise.resolve(probe.info?.('replication'))
      .then(
        (info) => {
          const count = /connected_slaves:(\d+)/.exec(String(info ?? ''));
          if (count !== null && Number(count[1]) > 0) replicated = true;
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
  async function mayGoUnconfirmed(what: string): Promise<void> {
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
  }

  return {
    revoke(key, command, send) {
      if (mode === false) return send(main);
      return mayGoUnconfirmed(`${command} ${key}`).then(() => send(main));
    },
    async clear(unconfirmed) {
      if (mode !== false) await mayGoUnconfirmed('clear()');
      return unconfirmed();
    },
    async close() {},
  };
}
