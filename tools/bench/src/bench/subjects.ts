import { ADAPTERS } from '../adapters/registry.js';
import {
  type AdapterName,
  cacheSubject,
  type PeerName,
  type RunContext,
  type Subject,
} from '../adapters/types.js';
import { errorMessage } from '../cli/args.js';
import { PEERS } from '../peers/registry.js';
import type { SubjectInfo } from './results.js';

/** A subject the benchmark can create as often as it needs (measuring, then memory). */
export interface SubjectEntry extends SubjectInfo {
  /** Creates a fresh, empty instance. */
  create(): Promise<Subject>;
}

/** The subjects of a run, each adapter's baseline and peers, and what could not be loaded. */
export interface Lineup {
  readonly entries: readonly SubjectEntry[];
  /** adapter → its baseline's label, and its peers' labels (only those that loaded). */
  readonly groups: ReadonlyMap<
    AdapterName,
    { adapter: string; baseline?: string; peers: Map<PeerName, string> }
  >;
  readonly skipped: { name: string; reason: string }[];
}

/**
 * Creates one instance of every adapter, baseline and peer to see which load; an adapter whose
 * package is missing, unbuilt or whose backend is unreachable is skipped with its reason.
 * Returns the live instances (used for measuring) along with the lineup.
 */
export async function loadLineup(
  adapters: readonly AdapterName[],
  context: RunContext,
): Promise<{ lineup: Lineup; instances: Map<string, Subject> }> {
  const entries: SubjectEntry[] = [];
  const instances = new Map<string, Subject>();
  const skipped: { name: string; reason: string }[] = [];
  const groups = new Map<
    AdapterName,
    { adapter: string; baseline?: string; peers: Map<PeerName, string> }
  >();
  let serial = 0;
  const id = (name: string) => `${name}-${serial++}`;

  const tryAdd = async (
    name: string,
    info: Omit<SubjectInfo, 'adapters'>,
    adapterName: AdapterName,
    create: () => Promise<Subject>,
  ): Promise<boolean> => {
    const existing = entries.find((e) => e.label === info.label);
    if (existing !== undefined) {
      (existing.adapters as string[]).push(adapterName);
      return true;
    }
    try {
      instances.set(info.label, await create());
    } catch (error) {
      skipped.push({ name, reason: errorMessage(error) });
      return false;
    }
    entries.push({ ...info, adapters: [adapterName], create });
    return true;
  };

  for (const name of adapters) {
    const module = ADAPTERS[name];
    const label = `layercache ${name}`;
    const ok = await tryAdd(name, { label, role: 'adapter' }, name, async () =>
      cacheSubject(label, await module.create(context, id(name))),
    );
    if (!ok) continue;
    const group: { adapter: string; baseline?: string; peers: Map<PeerName, string> } = {
      adapter: label,
      peers: new Map(),
    };
    groups.set(name, group);
    const baselineOk = await tryAdd(
      module.baselineLabel,
      { label: module.baselineLabel, role: 'baseline' },
      name,
      () => module.createBaseline(context, id(`${name}-raw`)),
    );
    if (baselineOk) group.baseline = module.baselineLabel;
    for (const variant of module.variants ?? []) {
      await tryAdd(variant.label, { label: variant.label, role: variant.role }, name, () =>
        variant.create(context, id(`${name}-variant`)),
      );
    }
    for (const peerName of module.peers) {
      const peer = PEERS[peerName];
      const peerOk = await tryAdd(peer.label, { label: peer.label, role: 'peer' }, name, () =>
        peer.create(context, id(peerName)),
      );
      if (peerOk) group.peers.set(peerName, peer.label);
    }
  }
  return { lineup: { entries, groups, skipped }, instances };
}
