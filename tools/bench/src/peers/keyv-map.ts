import Keyv from 'keyv';
import {
  type FootprintProbe,
  heapFootprint,
  type PeerModule,
  type Subject,
} from '../adapters/types.js';

/** Keyv with its default in-memory `Map` store: what an in-process user would otherwise reach for. */
export const keyvMapPeer: PeerModule = {
  name: 'keyv-map',
  label: 'Keyv + Map',
  async create() {
    return keyvSubject('Keyv + Map', new Keyv(), heapFootprint);
  },
};

/**
 * The same logical work on any Keyv: a membership is a key `<repo>@<digest>` holding `true`, a
 * meta a key `meta:<digest>` holding `{ path, length }`.
 */
export function keyvSubject(
  label: string,
  keyv: Keyv,
  footprint: FootprintProbe,
  cleanup: () => Promise<void> = async () => {},
  bulk?: (work: () => Promise<void>) => Promise<void>,
): Subject {
  return {
    label,
    role: 'peer' as const,
    async contains(repo: string, digest: string) {
      return (await keyv.get(`${repo}@${digest}`)) === true;
    },
    async add(repo: string, digest: string) {
      await keyv.set(`${repo}@${digest}`, true);
    },
    async meta(digest: string) {
      return (await keyv.get(`meta:${digest}`)) as { path: string; length: number } | undefined;
    },
    async setMeta(digest: string, meta: { path: string; length: number }) {
      await keyv.set(`meta:${digest}`, { path: meta.path, length: meta.length });
    },
    footprint,
    ...(bulk === undefined ? {} : { bulk }),
    async close() {
      try {
        await keyv.clear();
        await keyv.disconnect();
      } finally {
        await cleanup();
      }
    },
  };
}
