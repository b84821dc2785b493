/**
 * The settings a connection the cache creates and owns always gets, whatever `redis` or
 * `cluster.options` say. Written once, here: the owned clients are configured from these rows,
 * and the README's table is rendered from them (test/readme.test.ts checks that it is in step).
 */
export interface OwnedSetting {
  /** Which connections get it. */
  readonly connection: 'standalone' | 'cluster' | 'cluster nodes';
  /** The client library's option name. */
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

/** The options of one kind of connection, to spread over the caller's. */
export function ownedOptions(
  settings: readonly OwnedSetting[],
  connection: OwnedSetting['connection'],
  commandTimeoutMs: number,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const setting of settings) {
    if (setting.connection === connection) {
      options[setting.option] = setting.value(commandTimeoutMs);
    }
  }
  return options;
}

const CONNECTIONS: Record<OwnedSetting['connection'], string> = {
  standalone: 'standalone / Sentinel (`url`, `redis`)',
  cluster: 'Cluster (`cluster.options`)',
  'cluster nodes': 'Cluster nodes (`cluster.options.redisOptions`)',
};

/** The README's Markdown table of `settings`. */
export function renderOwnedSettings(settings: readonly OwnedSetting[]): string {
  const rows = ['| connection | option | set to | why |', '|---|---|---|---|'];
  let previous: string | undefined;
  for (const setting of settings) {
    const connection = setting.connection === previous ? '' : CONNECTIONS[setting.connection];
    previous = setting.connection;
    rows.push(`| ${connection} | \`${setting.option}\` | ${setting.shown} | ${setting.why} |`);
  }
  return rows.join('\n');
}
