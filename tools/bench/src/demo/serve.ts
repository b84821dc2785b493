import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AdapterName } from '../adapters/types.js';
import { DEMO_TAG } from '../storage/manifests.js';

// The example registry's command, run as a child process: nothing imports examples/*.
const EXAMPLE_MAIN = fileURLToPath(
  new URL('../../../../examples/registry/dist/main.js', import.meta.url),
);

/** The example registry serving the demo's tree. */
export interface ServedRegistry {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Settles when the registry process exits. */
  readonly exited: Promise<number | null>;
  /** Stops the registry (SIGTERM, SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link serveDemoTree}. */
export interface ServeOptions {
  readonly root: string;
  readonly port: number;
  readonly adapter: AdapterName;
  /** For `redis`: the run's Redis. */
  readonly redisUrl?: string;
}

/**
 * Starts `examples/registry` (`pnpm registry`) on the demo's tree with a cache of the same
 * adapter, and resolves once it has printed its URL.
 */
export async function serveDemoTree(options: ServeOptions): Promise<ServedRegistry> {
  if (!existsSync(EXAMPLE_MAIN)) {
    throw new Error(
      'the example registry is not built: pnpm --filter @layercache/example-registry build',
    );
  }
  const args = [EXAMPLE_MAIN, '--root', options.root, '--port', String(options.port)];
  args.push('--adapter', options.adapter);
  if (options.adapter === 'redis' && options.redisUrl !== undefined) {
    args.push('--redis-url', options.redisUrl);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    exited.then((code) => reject(new Error(`the example registry exited with ${code}`)));
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    exited,
    stop() {
      stopped ??= stopChild(child, exited);
      return stopped;
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(timer);
}

/** What to tell the user once the registry is up. */
export function serveInstructions(url: string, repositories: readonly string[]): string {
  const address = new URL(url).host;
  const name = repositories[0] ?? 'library/alpine';
  return [
    '',
    `The example registry serves the demo's tree at ${url} (Ctrl-C stops it and removes the tree).`,
    `Every repository has the tag "${DEMO_TAG}", e.g. ${repositories.slice(0, 3).join(', ')}. Try:`,
    '',
    `  skopeo inspect --tls-verify=false docker://${address}/${name}:${DEMO_TAG}`,
    `  skopeo copy --src-tls-verify=false docker://${address}/${name}:${DEMO_TAG} oci:/tmp/demo-image:${DEMO_TAG}`,
    `  curl -I ${url}/v2/${name}/manifests/${DEMO_TAG}`,
    '',
    "(The demo's layers are filler bytes, not tarballs: images copy, but `docker pull` cannot",
    ' unpack them; with docker, pull from a tree a real registry wrote: pnpm registry -- --root DIR.)',
    '',
  ].join('\n');
}
