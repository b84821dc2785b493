import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { digest } from '@layercache/core/conformance';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const writer = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));

/** A fresh temporary directory, removed by the returned `remove`. */
export function tempDir(prefix: string): {
  dir: string;
  file: (name: string) => string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `layercache-sqlite-${prefix}-`));
  return {
    dir,
    file: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Child processes run the built package; fail with a clear message when it is missing. */
export function requireBuild(): void {
  if (!existsSync(dist)) {
    throw new Error(`${dist} is missing: run \`pnpm --filter @layercache/sqlite build\` first`);
  }
}

export interface Writer {
  readonly child: ChildProcess;
  /** Indexes the child printed as acknowledged, in order. */
  readonly acked: number[];
  stderr: string;
  /** Resolves with the exit code (or signal) once the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `fixtures/writer.mjs` (see there for the arguments). With `borrow`, the child lends the
 * cache a connection it opened itself instead of letting the cache open the file.
 */
export function startWriter(
  filename: string,
  name: string,
  count: number,
  concurrency = 16,
  borrow = false,
): Writer {
  const child = spawn(
    process.execPath,
    [writer, filename, name, String(count), String(concurrency)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LAYERCACHE_WRITER_BORROW: borrow ? '1' : '0' },
    },
  );
  const acked: number[] = [];
  const state: Writer = {
    child,
    acked,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    state.stderr += chunk;
  });
  return state;
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
