import { existsSync } from 'node:fs';
import { run } from './scratch.js';
import { type PublishedPackage, workspaceRoot } from './workspace.js';

interface PackResult {
  readonly name: string;
  readonly filename: string;
}

/** Packs `packages` into `destination` with one `pnpm pack`; returns each tarball by name. */
export async function pack(
  packages: readonly PublishedPackage[],
  destination: string,
): Promise<Map<string, string>> {
  // `pnpm pack` (not npm) is what rewrites `workspace:^` into a real version range. One recursive
  // run instead of one per package: pnpm's start-up dominates, and CPUs here are shared.
  const { stdout } = await run(
    'pnpm',
    [
      ...packages.flatMap((pkg) => ['--filter', pkg.name]),
      'pack',
      '--pack-destination',
      destination,
      '--json',
    ],
    { cwd: workspaceRoot, timeoutMs: 90_000 },
  );
  const parsed = JSON.parse(stdout) as PackResult | PackResult[];
  const tarballs = new Map(
    (Array.isArray(parsed) ? parsed : [parsed]).map((r) => [r.name, r.filename] as const),
  );
  for (const pkg of packages) {
    const tarball = tarballs.get(pkg.name);
    if (tarball === undefined || !existsSync(tarball)) {
      throw new Error(`pnpm pack did not produce a tarball for ${pkg.name}:\n${stdout}`);
    }
  }
  return tarballs;
}
