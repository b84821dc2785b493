import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace checkout this test runs in. */
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly exports?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** A package of `packages/*` that is published to the registry. */
export interface PublishedPackage {
  readonly name: string;
  readonly dir: string;
  readonly manifest: Manifest;
  /** What a consumer can import: the package name plus each subpath of its `exports`. */
  readonly specifiers: readonly string[];
  /** Files its `exports` point at that do not exist (dist not built), relative to `dir`. */
  readonly missing: readonly string[];
  /** Required peer dependencies, with the version installed in the workspace (or the range). */
  readonly peers: Readonly<Record<string, string>>;
  /** Optional peer dependencies (e.g. vitest for a test-only subpath), versioned the same way. */
  readonly optionalPeers: Readonly<Record<string, string>>;
}

function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

function installedVersion(dir: string, name: string): string | undefined {
  try {
    const require = createRequire(join(dir, 'package.json'));
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Every non-private package under `packages/`, in name order. */
export function listPublishedPackages(root = workspaceRoot): PublishedPackage[] {
  const packagesDir = join(root, 'packages');
  const found: PublishedPackage[] = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    const dir = join(packagesDir, entry.name);
    const manifestPath = join(dir, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (manifest.private === true) continue;
    const subpaths = Object.keys(manifest.exports ?? { '.': null }).filter(
      (subpath) => subpath !== './package.json',
    );
    const missing = [...new Set(exportTargets(manifest.exports))].filter(
      (target) => !existsSync(join(dir, target)),
    );
    const peers: Record<string, string> = {};
    const optionalPeers: Record<string, string> = {};
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      const optional = manifest.peerDependenciesMeta?.[peer]?.optional === true;
      // The version the workspace installed is already in the pnpm store (and, for a native
      // module like better-sqlite3, already built there), so the scratch install stays offline.
      (optional ? optionalPeers : peers)[peer] = installedVersion(dir, peer) ?? range;
    }
    found.push({
      name: manifest.name,
      dir,
      manifest,
      specifiers: subpaths.map((subpath) => manifest.name + subpath.slice(1)),
      missing,
      peers,
      optionalPeers,
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Why `pkg` cannot be packed yet, in words that say what to do about it. */
export function notBuilt(pkg: PublishedPackage): string {
  return `${pkg.name} is not built: ${pkg.missing.join(', ')} missing in ${pkg.dir} — run pnpm build first`;
}
