import { readFileSync } from 'node:fs';
import { isLayerCacheError, type LayerInfoCache } from '@layercache/core';
import { type ParsedCommand, parseCommandLine } from './args.js';
import { describeBackend, openCache } from './backend.js';
import { clear } from './commands/clear.js';
import { forget } from './commands/forget.js';
import { stats } from './commands/stats.js';
import { verify } from './commands/verify.js';
import { CommandError, Exit, type Io, print, UsageError } from './io.js';
import { storageLayout } from './layout.js';
import { COMMAND_HELP, helpHint, MAIN_HELP } from './usage.js';

function version(): string {
  const manifest = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function execute(parsed: ParsedCommand, io: Io, signal: AbortSignal): Promise<number> {
  // Checked before the cache is opened: a wrong --root must not cost a connection.
  const layout = parsed.command === 'verify' ? storageLayout(parsed.root!, 'verify') : undefined;
  const cache: LayerInfoCache = await openCache(parsed.backend, parsed.command);
  try {
    switch (parsed.command) {
      case 'clear':
        return await clear(cache, io, parsed.json);
      case 'stats':
        return await stats(cache, io, parsed.json, signal);
      case 'forget':
        return await forget(
          cache,
          io,
          { source: parsed.fromGcLog!, dryRun: parsed.dryRun === true, json: parsed.json },
          signal,
        );
      case 'verify':
        return await verify(
          cache,
          io,
          { layout: layout!, fix: parsed.fix === true, json: parsed.json },
          signal,
        );
    }
  } catch (error) {
    if (isLayerCacheError(error)) {
      // Name the cache: the adapter's message says what failed, not which cache it was.
      throw new CommandError(`${describeBackend(parsed.backend)}: ${error.message}`);
    }
    throw error;
  } finally {
    await cache.close().catch(() => {});
  }
}

export type { Io } from './io.js';

/**
 * Runs the `layercache` command line `argv` (without `node` and the script) and resolves its exit
 * status: 0 ok, 1 stale entries found or a failure, 2 bad usage. Never throws: every failure
 * becomes a message on `io.stderr` and a status. This is what the `layercache` binary calls.
 *
 * @example
 * ```ts
 * import { run } from '@layercache/cli';
 *
 * const status = await run(
 *   ['stats', '--sqlite', '/var/lib/registry/layercache.sqlite', '--json'],
 *   { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
 *   AbortSignal.timeout(60_000),
 * );
 * ```
 */
export async function run(argv: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  let command: string | undefined;
  try {
    const invocation = parseCommandLine(argv);
    if (invocation.kind === 'help') {
      print(
        io.stdout,
        invocation.command === undefined ? MAIN_HELP : COMMAND_HELP[invocation.command],
      );
      return Exit.ok;
    }
    if (invocation.kind === 'version') {
      print(io.stdout, version());
      return Exit.ok;
    }
    command = invocation.parsed.command;
    return await execute(invocation.parsed, io, signal);
  } catch (error) {
    if (signal.aborted) {
      print(io.stderr, 'layercache: interrupted');
      return Exit.interrupted;
    }
    if (error instanceof UsageError) {
      print(io.stderr, `layercache: ${error.message}`);
      print(io.stderr, helpHint(error.command ?? command));
      return Exit.usage;
    }
    if (error instanceof CommandError || isLayerCacheError(error)) {
      print(io.stderr, `layercache: ${error.message}`);
      return Exit.failed;
    }
    // A bug of ours: the stack is what a bug report needs.
    print(io.stderr, `layercache: unexpected failure (please report it): ${String(error)}`);
    if (error instanceof Error && error.stack) print(io.stderr, error.stack);
    return Exit.failed;
  }
}
