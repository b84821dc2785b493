import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublishedPackage } from './workspace.js';
import { workspaceRoot } from './workspace.js';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const how = error.killed
          ? `timed out after ${options.timeoutMs} ms`
          : `failed (${error.code})`;
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` in ${options.cwd} ${how}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            { cause: error },
          ),
        );
      },
    );
  });
}

/** A project outside the workspace with the packed tarballs installed. */
export interface Scratch {
  readonly dir: string;
  /** Milliseconds spent in `pnpm pack` (all packages) and `pnpm install`. */
  readonly timings: { readonly pack: number; readonly install: number };
  /** The tarball of each package, by name. */
  readonly tarballs: ReadonlyMap<string, string>;
  remove(): void;
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Packs `packages` into `destination` with one `pnpm pack`; returns each tarball by name. */
async function pack(
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

interface PackResult {
  readonly name: string;
  readonly filename: string;
}

/**
 * Packs `packages` and installs the tarballs, with the required peer dependencies, into a new
 * project in the OS temp directory. The install uses the workspace's pnpm store and prefers it to
 * the registry, so it needs no network when the workspace is installed, and better-sqlite3 comes
 * from pnpm's side-effects cache instead of being compiled again.
 */
export async function createScratch(packages: readonly PublishedPackage[]): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), 'layercache-package-check-'));
  if (!relative(workspaceRoot, dir).startsWith('..')) {
    throw new Error(`the scratch project ${dir} must be outside the workspace ${workspaceRoot}`);
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const started = performance.now();
    const tarballs = await pack(packages, join(dir, 'tarballs'));
    const packed = performance.now();

    const app = join(dir, 'app');
    mkdirSync(app);
    const file = (name: string) => `file:${tarballs.get(name)}`;
    const dependencies: Record<string, string> = {};
    for (const pkg of packages) {
      dependencies[pkg.name] = file(pkg.name);
      Object.assign(dependencies, pkg.peers);
    }
    const manifest = {
      name: 'layercache-package-check-scratch',
      private: true,
      dependencies,
      pnpm: {
        // The adapters' `@layercache/core: ^x.y.z` must be the packed core, not the registry's.
        overrides: Object.fromEntries(packages.map((pkg) => [pkg.name, file(pkg.name)])),
        onlyBuiltDependencies: ['better-sqlite3'],
      },
    };
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const fixture of ['smoke.mjs', 'load.mjs', 'load.cjs']) {
      copyFileSync(join(fixtures, fixture), join(app, fixture));
    }
    const store = (
      await run('pnpm', ['store', 'path'], { cwd: workspaceRoot, timeoutMs: 30_000 })
    ).stdout.trim();
    await run(
      'pnpm',
      [
        'install',
        '--ignore-workspace',
        '--prefer-offline',
        '--no-frozen-lockfile', // CI=true would otherwise demand a lockfile
        '--store-dir',
        store,
        '--config.strict-peer-dependencies=true',
        '--config.auto-install-peers=false',
        '--reporter=append-only',
      ],
      { cwd: app, timeoutMs: 150_000 },
    );
    const installed = performance.now();
    return {
      dir: app,
      tarballs,
      timings: { pack: packed - started, install: installed - packed },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}
