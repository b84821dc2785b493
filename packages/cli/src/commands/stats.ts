import type { LayerInfoCache } from '@layercache/core';
import { type Io, print, printJson } from '../io.js';
import { entriesOf } from './list.js';

/** What `stats` counts. */
export interface CacheStats {
  readonly memberships: number;
  /** Repositories with at least one membership. */
  readonly repositories: number;
  readonly metas: number;
  /** The sum of the lengths of the blobs the metas describe. */
  readonly bytes: number;
}

export async function countEntries(
  cache: LayerInfoCache,
  signal: AbortSignal,
): Promise<CacheStats> {
  let memberships = 0;
  let metas = 0;
  let bytes = 0;
  const repositories = new Set<string>();
  for await (const entry of entriesOf(cache, signal)) {
    if (entry.kind === 'membership') {
      memberships += 1;
      repositories.add(entry.repo);
    } else {
      metas += 1;
      bytes += entry.meta.length;
    }
  }
  return { memberships, repositories: repositories.size, metas, bytes };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export async function stats(
  cache: LayerInfoCache,
  io: Io,
  json: boolean,
  signal: AbortSignal,
): Promise<number> {
  const counted = await countEntries(cache, signal);
  if (json) {
    printJson(io, counted);
    return 0;
  }
  print(io.stdout, `memberships   ${counted.memberships}`);
  print(io.stdout, `repositories  ${counted.repositories}`);
  print(io.stdout, `metas         ${counted.metas}`);
  print(io.stdout, `bytes         ${counted.bytes} (${humanBytes(counted.bytes)})`);
  return 0;
}
