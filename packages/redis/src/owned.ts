/**
 * The settings a connection the cache creates and owns always gets, whatever `redis` or
 * `cluster.options` say. Written once, here: the owned clients are configured from these rows,
 * and the README's table is rendered from them (test/readme.test.ts checks that it is in step).
 */
export interface OwnedSetting {
  /** Which connections get it. */
  readonly connection: 'standalone' | 'cluster' | 'cluster nodes';
  /** The client library's option name; a dotted path sets a field of a nested option object. */
  readonly option: string;
  /** The value, given the cache's `commandTimeoutMs`. */
  readonly value: (commandTimeoutMs: number) => unknown;
  /** How the value reads in the README. */
  readonly shown: string;
  readonly why: string;
}

/** ioredis: `url` / `redis` (standalone or Sentinel), `cluster` (top level and `redisOptions`). */
export const IOREDIS_OWNED_SETTINGS: readonly OwnedSetting[] = [
  {
    connection: 'standalone',
    option: 'enableAutoPipelining',
    value: () => true,
    shown: '`true`',
    why: '64 calls in flight cost a handful of round trips',
  },
  {
    connection: 'standalone',
    option: 'commandTimeout',
    value: (timeoutMs) => timeoutMs,
    shown: '`commandTimeoutMs`',
    why:
      'ioredis frees a command a dead server will not answer (also in its offline queue), and ' +
      'the error names the command and the key; the cache bounds every call by the same time anyway',
  },
  {
    connection: 'standalone',
    option: 'maxRetriesPerRequest',
    value: () => 1,
    shown: '`1`',
    why: 'commands parked while Redis is down fail after one reconnection attempt instead of piling up',
  },
  {
    connection: 'standalone',
    option: 'lazyConnect',
    value: () => false,
    shown: '`false`',
    why: 'connect at once, so the first calls find the connection on its way',
  },
  {
    connection: 'cluster',
    option: 'enableAutoPipelining',
    value: () => true,
    shown: '`true`',
    why: 'as above',
  },
  {
    connection: 'cluster',
    option: 'lazyConnect',
    value: () => false,
    shown: '`false`',
    why: 'as above',
  },
  {
    connection: 'cluster',
    option: 'scaleReads',
    value: () => 'master',
    shown: "`'master'`",
    why: 'reads never go to a lagging replica; any other value is rejected (see [Redis Cluster](#redis-cluster))',
  },
  {
    connection: 'cluster nodes',
    option: 'commandTimeout',
    value: (timeoutMs) => timeoutMs,
    shown: '`commandTimeoutMs`',
    why: 'frees a command stuck on a node',
  },
  {
    connection: 'cluster nodes',
    option: 'maxRetriesPerRequest',
    value: () => 1,
    shown: '`1`',
    why:
      'as standalone (only matters with a `clusterNodeRetryStrategy`: by default ioredis never ' +
      'reconnects a lost node)',
  },
];

/**
 * node-redis 6: `url` / `redis` (`createClient`), `cluster` (`createCluster`, and its `defaults`
 * for the node connections).
 */
export const NODE_REDIS_OWNED_SETTINGS: readonly OwnedSetting[] = [
  {
    connection: 'standalone',
    option: 'commandOptions.timeout',
    value: () => 0,
    shown: '`0` (off)',
    why:
      'node-redis arms a timer for every command by default (5 s), which cost 4× the throughput ' +
      "here; the cache's own coarse deadline (`commandTimeoutMs`) bounds every call instead",
  },
  {
    connection: 'standalone',
    option: 'disableOfflineQueue',
    value: () => true,
    shown: '`true`',
    why:
      'nothing waits untimed in node-redis while it reconnects: the cache keeps calls itself ' +
      'until the connection is ready, bounded, and never sends one whose caller was answered',
  },
  {
    connection: 'cluster',
    option: 'commandOptions.timeout',
    value: () => 0,
    shown: '`0` (off)',
    why: 'as above',
  },
  {
    connection: 'cluster',
    option: 'useReplicas',
    value: () => false,
    shown: '`false`',
    why: 'reads never go to a lagging replica; `true` is rejected',
  },
  {
    connection: 'cluster nodes',
    option: 'commandOptions.timeout',
    value: () => 0,
    shown: '`0` (off)',
    why: 'as above, on each node connection',
  },
  {
    connection: 'cluster nodes',
    option: 'disableOfflineQueue',
    value: () => true,
    shown: '`true`',
    why: 'as standalone',
  },
];

/**
 * `given` (the caller's options of one kind of connection) with `settings` applied over it;
 * nested option objects are copied, never changed in place.
 */
export function withOwnedSettings(
  given: object | undefined,
  settings: readonly OwnedSetting[],
  connection: OwnedSetting['connection'],
  commandTimeoutMs: number,
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...given };
  for (const setting of settings) {
    if (setting.connection !== connection) continue;
    const path = setting.option.split('.');
    let target = options;
    for (const name of path.slice(0, -1)) {
      const inner = { ...(target[name] as object | undefined) } as Record<string, unknown>;
      target[name] = inner;
      target = inner;
    }
    target[path[path.length - 1]!] = setting.value(commandTimeoutMs);
  }
  return options;
}

const CONNECTIONS: Record<string, Record<OwnedSetting['connection'], string>> = {
  ioredis: {
    standalone: 'standalone / Sentinel (`url`, `redis`)',
    cluster: 'Cluster (`cluster.options`)',
    'cluster nodes': 'Cluster nodes (`cluster.options.redisOptions`)',
  },
  'node-redis': {
    standalone: 'standalone (`url`, `redis`)',
    cluster: 'Cluster (`cluster.options`)',
    'cluster nodes': 'Cluster nodes (`cluster.options.defaults`)',
  },
};

/** The README's Markdown table of `settings`. */
export function renderOwnedSettings(
  settings: readonly OwnedSetting[],
  library: 'ioredis' | 'node-redis' = 'ioredis',
): string {
  const rows = ['| connection | option | set to | why |', '|---|---|---|---|'];
  let previous: string | undefined;
  for (const setting of settings) {
    const connection =
      setting.connection === previous ? '' : CONNECTIONS[library]![setting.connection];
    previous = setting.connection;
    rows.push(`| ${connection} | \`${setting.option}\` | ${setting.shown} | ${setting.why} |`);
  }
  return rows.join('\n');
}
