#!/usr/bin/env node
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADAPTER_NAMES, type AdapterName, openCache } from './caches.js';
import { REGISTRY_ROOT } from './layout.js';
import { startRegistry } from './server.js';

export const USAGE = `Usage: pnpm registry -- --root DIR [flags]

Serves the pull path of an OCI distribution registry (GET /v2/, manifests, blobs, tags, blob and
manifest DELETE) over a Go-registry storage tree, with layercache in front of every blob access
check and stat. Prints the registry's URL on stdout, then runs until interrupted.

  --root DIR          the Go registry's filesystem rootdirectory (holding ${REGISTRY_ROOT})
  --port N            port to listen on, 0 for any free one (default: 5000)
  --host ADDR         interface to listen on (default: 127.0.0.1)
  --adapter NAME      cache: ${ADAPTER_NAMES.join(' | ')} (default: sqlite, in a temporary file)
  --sqlite-file FILE  keep the SQLite cache in FILE (clear it after a garbage collection)
  --redis-url URL     Redis for --adapter redis (required with it)
  -h, --help          show this help

Exit codes: 0 stopped by a signal, 1 failed to start, 2 bad usage.
`;

class UsageError extends Error {}

interface Options {
  readonly root: string;
  readonly port: number;
  readonly host: string;
  readonly adapter: AdapterName;
  readonly redisUrl?: string;
  readonly sqliteFile?: string;
}

function parse(argv: readonly string[]): Options | 'help' {
  // `pnpm registry -- --root x` forwards the `--` verbatim.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        root: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        adapter: { type: 'string' },
        'sqlite-file': { type: 'string' },
        'redis-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message.replace(/\. To specify.*$/s, '.') : String(error),
    );
  }
  if (values.help === true) return 'help';
  const str = (name: string) => values[name] as string | undefined;
  const root = str('root');
  if (root === undefined || root === '') throw new UsageError('--root DIR is required');
  const rawPort = str('port') ?? '5000';
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 0 && port <= 65_535))
    throw new UsageError(`--port must be 0 to 65535, got "${rawPort}"`);
  const adapter = (str('adapter') ?? 'sqlite') as AdapterName;
  if (!ADAPTER_NAMES.includes(adapter)) {
    throw new UsageError(`--adapter must be one of ${ADAPTER_NAMES.join(', ')}, got "${adapter}"`);
  }
  const redisUrl = str('redis-url');
  if ((adapter === 'redis') !== (redisUrl !== undefined)) {
    throw new UsageError('--redis-url goes with --adapter redis, and --adapter redis needs it');
  }
  const sqliteFile = str('sqlite-file');
  if (sqliteFile !== undefined && adapter !== 'sqlite') {
    throw new UsageError('--sqlite-file goes with --adapter sqlite');
  }
  return {
    root,
    port,
    host: str('host') ?? '127.0.0.1',
    adapter,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(sqliteFile === undefined ? {} : { sqliteFile }),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  let options: Options | 'help';
  try {
    options = parse(argv);
    if (options !== 'help') {
      const tree = await stat(join(options.root, REGISTRY_ROOT)).catch(() => undefined);
      if (!tree?.isDirectory()) {
        throw new UsageError(
          `${options.root} is not registry storage: ${REGISTRY_ROOT} is missing`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`registry: ${error.message}\nRun "pnpm registry -- --help" for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }

  const opened = await openCache(options);
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  try {
    registry = await startRegistry({
      root: options.root,
      cache: opened.cache,
      host: options.host,
      port: options.port,
    });
  } catch (error) {
    await opened.close();
    throw error;
  }
  process.stdout.write(`${registry.url}\n`);
  process.stderr.write(
    `registry: serving ${options.root} with cache ${opened.description}\n` +
      `registry: try  skopeo inspect --tls-verify=false docker://${registry.address}/<name>:<tag>\n`,
  );

  const stop = async () => {
    await registry.close();
    await opened.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(
            `registry: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        },
      );
    });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`registry: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
