import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, stopProcess } from './processes.js';

/**
 * The real Go registry (distribution 2.8, Debian's `docker-registry`), started on a free port with
 * filesystem storage in a directory of its own, for tests that need a real storage tree written
 * by a real push. Self-contained (Node built-ins only) so other packages' tests can copy or share it.
 */
export interface GoRegistry extends AsyncDisposable {
  /** `127.0.0.1:<port>`, for image references: `docker://${address}/library/alpine:1`. */
  readonly address: string;
  /** The filesystem driver's `rootdirectory` (holding `docker/registry/v2`). */
  readonly root: string;
  /** Stops the process (its storage stays until {@link GoRegistry.remove}). Idempotent. */
  stop(): Promise<void>;
  /** Stops the process and removes its directory (storage included). Idempotent. */
  remove(): Promise<void>;
}

/** Options of {@link startGoRegistry}. */
export interface GoRegistryOptions {
  /** Allow `DELETE` of blobs and manifests (`storage.delete.enabled`). Default: true. */
  readonly deleteEnabled?: boolean;
  /** Milliseconds to wait for `GET /v2/` to answer. Default: 15 000. */
  readonly startTimeoutMs?: number;
}

export const GO_REGISTRY_INSTALL_HINT =
  "the Go registry was not found on PATH (Debian's binary is docker-registry): " +
  'apt-get install -y docker-registry';

/** The Go registry's executable: Debian names it `docker-registry`, upstream `registry`. */
export async function findGoRegistry(): Promise<string | undefined> {
  return findExecutable(['docker-registry', 'registry']);
}

/**
 * Starts `docker-registry serve config.yml` and waits until it answers.
 *
 * @example
 * ```ts
 * await using registry = await startGoRegistry();
 * await skopeoCopy(`oci:${layout}:1`, `docker://${registry.address}/library/alpine:1`);
 * // registry.root now holds the pushed image in the Go registry's layout
 * ```
 */
export async function startGoRegistry(options: GoRegistryOptions = {}): Promise<GoRegistry> {
  const executable = await findGoRegistry();
  if (executable === undefined) throw new Error(GO_REGISTRY_INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), 'layercache-go-registry-'));
  const root = join(dir, 'storage');
  await mkdir(root);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${root}`,
      '  delete:',
      `    enabled: ${options.deleteEnabled ?? true}`,
      'http:',
      `  addr: ${address}`,
      '',
    ].join('\n'),
  );
  const child = spawn(executable, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exitHook = () => child.kill('SIGKILL');
  process.once('exit', exitHook);

  try {
    await waitUntilReady(child, address, options.startTimeoutMs ?? 15_000, () => output);
  } catch (error) {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    process.off('exit', exitHook);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= stopProcess(child).then(() => {
      process.off('exit', exitHook);
    });
    return stopped;
  };
  const remove = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { address, root, stop, remove, [Symbol.asyncDispose]: remove };
}

async function waitUntilReady(
  child: ChildProcess,
  address: string,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the Go registry exited with ${child.exitCode}: ${output().trim()}`);
    }
    const ok = await fetch(`http://${address}/v2/`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `the Go registry did not answer on ${address} within ${timeoutMs} ms: ${output().trim()}`,
  );
}
