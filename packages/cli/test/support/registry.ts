import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@layercache/redis/testing';
import type { OciImage } from './oci.js';

/** Debian's docker-registry (distribution 2.8) on a temporary filesystem tree, and skopeo. */
export interface Registry {
  /** The filesystem driver's rootdirectory. */
  readonly root: string;
  readonly config: string;
  readonly host: string;
  push(image: OciImage, repo: string): void;
  /** `skopeo delete` of a tag's manifest. */
  deleteManifest(repo: string, tag: string): void;
  /** `registry garbage-collect CONFIG`: its standard output (the deletion list). */
  garbageCollect(): string;
  stop(): Promise<void>;
}

/** Throws, saying what to install, when the registry tools are missing. */
export function registryTools(): { registry: string } {
  for (const registry of ['docker-registry', 'registry']) {
    if (spawnSync(registry, ['--version']).status === 0) {
      if (spawnSync('skopeo', ['--version']).status !== 0) break;
      return { registry };
    }
  }
  throw new Error(
    'these tests need the Go registry and skopeo: apt-get install -y docker-registry skopeo',
  );
}

async function waitUntilServing(url: string, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the registry exited:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the registry did not answer ${url} within 15 s:\n${log()}`);
}

export async function startRegistry(): Promise<Registry> {
  const { registry } = registryTools();
  const dir = mkdtempSync(join(tmpdir(), 'layercache-registry-'));
  const root = join(dir, 'storage');
  const port = await findFreePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${root}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  let output = '';
  const child = spawn(registry, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await waitUntilServing(`http://${host}/v2/`, child, () => output);

  const skopeo = (...args: string[]) =>
    execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: 'pipe' });

  return {
    root,
    config,
    host,
    push(image, repo) {
      skopeo(
        'copy',
        '--dest-tls-verify=false',
        `oci:${image.layout}:${image.tag}`,
        `docker://${host}/${repo}:${image.tag}`,
      );
    },
    deleteManifest(repo, tag) {
      skopeo('delete', '--tls-verify=false', `docker://${host}/${repo}:${tag}`);
    },
    garbageCollect() {
      return execFileSync(registry, ['garbage-collect', config], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
