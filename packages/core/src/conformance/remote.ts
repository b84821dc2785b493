import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LayerInfoCache } from '../types.js';
import type { ConformanceContext } from './types.js';

// The built child script sits beside this module in dist/; when the suite runs from its
// TypeScript sources (core's own tests), the built copy is used.
function childScript(): string {
  const beside = fileURLToPath(new URL('./remote-child.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../dist/conformance/remote-child.js', import.meta.url));
}

interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly value?: unknown;
  readonly error?: { name: string; code?: string; message: string };
}

function revive(error: NonNullable<Reply['error']>): Error {
  return Object.assign(new Error(`(in the other process) ${error.message}`), {
    name: error.name,
    code: error.code,
  });
}

/**
 * Opens a cache in a child process from `module`'s default export and returns a stand-in whose
 * methods run there. (Signals do not cross processes: calls take no options.)
 */
export async function openInProcess(
  module: string | URL,
  context: ConformanceContext,
): Promise<LayerInfoCache> {
  const url = module instanceof URL ? module.href : pathToFileURL(module).href;
  const child = fork(childScript(), [url, JSON.stringify(context)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let next = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject } of pending.values()) {
      reject(new Error(`the other process exited (${code ?? signal}) before answering`));
    }
    pending.clear();
  });

  await new Promise<void>((resolve, reject) => {
    child.once('message', (reply: Reply) => {
      if (reply.ready) resolve();
      else reject(revive(reply.error ?? { name: 'Error', message: 'the child failed to start' }));
    });
    child.once('exit', (code) =>
      reject(new Error(`the other process exited (${code}) while opening its cache`)),
    );
  });
  child.on('message', (reply: Reply) => {
    if (reply.id === undefined) return;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error) waiter?.reject(revive(reply.error));
    else waiter?.resolve(reply.value);
  });

  const call = (operation: string, ...args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited) {
        reject(new Error('the other process has exited'));
        return;
      }
      next += 1;
      pending.set(next, { resolve, reject });
      child.send({ id: next, operation, args });
    });

  let closing: Promise<void> | undefined;
  const cache: LayerInfoCache = {
    contains: (repo, digest) => call('contains', repo, digest) as Promise<boolean>,
    add: (repo, digest) => call('add', repo, digest) as Promise<void>,
    remove: (repo, digest) => call('remove', repo, digest) as Promise<boolean>,
    meta: (digest) => call('meta', digest) as Promise<{ path: string; length: number }>,
    setMeta: (digest, meta) =>
      call('setMeta', digest, { path: meta.path, length: meta.length }) as Promise<void>,
    deleteMeta: (digest) => call('deleteMeta', digest) as Promise<boolean>,
    clear: () => call('clear') as Promise<void>,
    close() {
      closing ??= (async () => {
        if (!exited) await call('close').catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exit;
        clearTimeout(timer);
      })();
      return closing;
    },
    [Symbol.asyncDispose]: () => cache.close(),
  };
  return cache;
}
