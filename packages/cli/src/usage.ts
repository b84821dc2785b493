// The help texts. Complete on purpose: `layercache <command> --help` is the manual.

const BACKEND = `Cache (exactly one):
  --sqlite FILE         the SQLite cache file the registry uses (@layercache/sqlite)
  --redis URL           redis://[user:password@]host:port[/db] or rediss://…; repeat it
                        with one URL per node to reach a Redis Cluster
  --prefix P            the keyPrefix the registry gives createRedisCache
                        (default "layercache:")
  --driver NAME         the Redis client library: ioredis (default) or node-redis
                        (the redis package). node-redis refuses revocations on a
                        deployment with replicas (use ioredis there).`;

const COMMON = `Output:
  --json                print the result as one JSON document on stdout
  -h, --help            show this help`;

export const MAIN_HELP = `Usage: layercache <command> [options]

Keeps a registry's layer cache true across garbage collection.

Commands:
  forget    forget every blob a registry garbage collection deleted
  verify    compare the cache with the registry's storage tree; --fix removes stale entries
  stats     count memberships, repositories, metas and bytes in the cache
  clear     forget everything the cache holds

Run "layercache <command> --help" for a command's options.

${BACKEND}

Exit status: 0 success; 1 stale entries found (verify without --fix) or an operation
failed; 2 bad usage. Messages go to stderr, results to stdout.

  -h, --help            show this help
  -v, --version         print the version`;

export const COMMAND_HELP: Record<string, string> = {
  forget: `Usage: layercache forget --from-gc-log FILE|- <cache> [--dry-run] [--json]

Reads the output of "registry garbage-collect" and forgets every blob it deleted (the
lines "blob eligible for deletion: sha256:…"): the blob's meta, and its membership in
every repository. Prints, for each blob, what it removed. Other lines are ignored.

Run it right after the garbage collection, in the same job:

  registry garbage-collect /etc/docker/registry/config.yml 2>&1 \\
    | layercache forget --from-gc-log - --sqlite /var/lib/registry/layercache.sqlite

Options:
  --from-gc-log FILE    the garbage collector's output; "-" reads standard input
  --dry-run             print what would be removed, remove nothing

${BACKEND}

${COMMON}

Exit status: 0 done (also when nothing was cached); 1 a removal failed; 2 bad usage.`,

  verify: `Usage: layercache verify --root DIR <cache> [--fix] [--json]

Compares the cache with a registry storage tree (the filesystem driver's layout,
DIR/docker/registry/v2/…) and lists stale entries:
  - a membership whose link file (repositories/<repo>/_layers/…/link) is gone or
    names another blob, or whose blob data is gone;
  - a meta whose blob data (blobs/<algorithm>/<xx>/<hex>/data) is gone or has another size.
With --fix, removes them. Shows a progress bar on a terminal.

Options:
  --root DIR            the storage root: the filesystem driver's rootdirectory (the
                        directory holding docker/registry/v2), or the v2 directory itself
  --fix                 remove the stale entries found

${BACKEND}

${COMMON}

Exit status: 0 no stale entries (or all removed with --fix); 1 stale entries found
without --fix, or an operation failed; 2 bad usage.`,

  stats: `Usage: layercache stats <cache> [--json]

Counts what the cache holds: memberships, repositories with at least one membership,
metas, and bytes (the sum of the lengths of the blobs the metas describe).

${BACKEND}

${COMMON}

Exit status: 0 done; 1 the cache could not be read; 2 bad usage.`,

  clear: `Usage: layercache clear <cache> [--json]

Forgets every membership and meta the cache holds, and only those (with Redis, only
keys under its prefix, on every master of a Cluster). Every registry using the cache then
asks its storage again: prefer "forget" after a garbage collection.

${BACKEND}

${COMMON}

Exit status: 0 done; 1 the cache could not be cleared; 2 bad usage.`,
};

/** The line printed after a usage error. */
export function helpHint(command: string | undefined): string {
  return command === undefined
    ? 'Run "layercache --help" for usage.'
    : `Run "layercache ${command} --help" for usage.`;
}
