// Runs in a child process forked by `remote.ts`: imports the adapter's module, opens a cache with
// the context it was given, and runs the calls the parent sends over the IPC channel.
//
//   node remote-child.js <module URL> <context JSON>
import type { LayerInfoCache } from '../types.js';
import type { ConformanceFactory } from './types.js';

interface Request {
  readonly id: number;
  readonly operation: string;
  readonly args: unknown[];
}

const [moduleUrl, contextJson] = process.argv.slice(2);
const send = (message: unknown) => process.send?.(message);

function errorOf(error: unknown) {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

try {
  const loaded = (await import(moduleUrl!)) as { default?: unknown };
  if (typeof loaded.default !== 'function') {
    throw new TypeError(`${moduleUrl} must export a factory as its default export`);
  }
  const cache = (await (loaded.default as ConformanceFactory)(
    JSON.parse(contextJson!),
  )) as LayerInfoCache;
  process.on('message', (request: Request) => {
    const method = (cache as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      request.operation
    ];
    Promise.resolve()
      .then(() => method!.apply(cache, request.args))
      .then(
        (value) => send({ id: request.id, value }),
        (error: unknown) => send({ id: request.id, error: errorOf(error) }),
      )
      .then(() => {
        if (request.operation === 'close') process.disconnect();
      });
  });
  send({ ready: true });
} catch (error) {
  send({ ready: false, error: errorOf(error) });
  process.disconnect();
}
