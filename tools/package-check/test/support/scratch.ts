import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** Projects outside the workspace with the packed tarballs installed. */
export interface Scratch {
  /** A consumer: every package and its required peers, nothing optional (no vitest). */
  readonly dir: string;
  /**
   * A third-party adapter author: core, memory and core's optional peers (vitest, fast-check),
   * with a test file that runs the conformance suite; `undefined` without a memory package.
   */
  readonly authorDir: string | undefined;
  /** Milliseconds spent in the `pnpm install`s (side by side). */
  readonly timings: { readonly install: number };
  /** The tarball of each package, by name. */
  readonly tarballs: ReadonlyMap<string, string>;
  remove(): void;
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/**
 * Installs `dependencies` into a new project at `dir` with the workspace's pnpm store, preferring
 * it to the registry: no network is needed when the workspace is installed, and better-sqlite3
 * comes from pnpm's side-effects cache instead of being compiled again (about a minute here).
 */
async function install(
  dir: string,
  dependencies: Record<string, string>,
  overrides: Record<string, string>,
  store: string,
): Promise<void> {
  mkdirSync(dir);
  const manifest = {
    name: 'layercache-package-check-scratch',
    private: true,
    dependencies,
    pnpm: { overrides, onlyBuiltDependencies: ['better-sqlite3'] },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
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
    { cwd: dir, timeoutMs: 150_000 },
  );
}

/**
 * Installs the tarballs `pack.ts` made of `packages` into new projects in the OS temp directory,
 * with pnpm and its strict peer checks.
 */
export async function createScratch(
  packages: readonly PublishedPackage[],
  tarballs: ReadonlyMap<string, string>,
): Promise<Scratch> {
  const root = mkdtempSync(join(tmpdir(), 'layercache-package-check-'));
  if (!relative(workspaceRoot, root).startsWith('..')) {
    throw new Error(`the scratch project ${root} must be outside the workspace ${workspaceRoot}`);
  }
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    const started = performance.now();
    const store = (
      await run('pnpm', ['store', 'path'], { cwd: workspaceRoot, timeoutMs: 30_000 })
    ).stdout.trim();

    const file = (name: string) => `file:${tarballs.get(name)}`;
    // The adapters' `@layercache/core: ^x.y.z` must be the packed core, not the registry's.
    const overrides = Object.fromEntries(packages.map((pkg) => [pkg.name, file(pkg.name)]));
    const consumer: Record<string, string> = {};
    for (const pkg of packages) {
      consumer[pkg.name] = file(pkg.name);
      Object.assign(consumer, pkg.peers);
    }
    const core = packages.find((pkg) => pkg.name === '@layercache/core');
    const memory = packages.find((pkg) => pkg.name === '@layercache/memory');
    const app = join(root, 'app');
    const author = core !== undefined && memory !== undefined ? join(root, 'author') : undefined;
    await Promise.all([
      install(app, consumer, overrides, store),
      author !== undefined &&
        install(
          author,
          {
            [core!.name]: file(core!.name),
            [memory!.name]: file(memory!.name),
            ...core!.optionalPeers,
          },
          overrides,
          store,
        ),
    ]);
    for (const fixture of ['smoke.mjs', 'load.mjs', 'load.cjs']) {
      copyFileSync(join(fixtures, fixture), join(app, fixture));
    }
    if (author !== undefined) {
      for (const fixture of ['conformance.test.mjs', 'third-party.test.mjs']) {
        copyFileSync(join(fixtures, fixture), join(author, fixture));
      }
    }
    const installed = performance.now();
    return {
      dir: app,
      authorDir: author,
      tarballs,
      timings: { install: installed - started },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}
