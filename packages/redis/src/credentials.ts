/**
 * Where a client keeps credentials, so that the redactor knows what to mask: ioredis options,
 * and node-redis options (`password`, `url`, `socket.key`, a cluster's `defaults` and
 * `rootNodes`, a sentinel's node and sentinel client options).
 */

// Option names of ioredis (and of Node's `tls.connect` options inside `tls`) that hold a secret.
const SECRET_OPTIONS = ['password', 'sentinelPassword', 'key', 'passphrase', 'pfx'];
// Option objects that may hold more of them: TLS settings, a Cluster's per-node options.
const NESTED_OPTIONS = [
  'tls',
  'sentinelTLS',
  'redisOptions',
  'socket',
  'defaults',
  'nodeClientOptions',
  'sentinelClientOptions',
];
// node-redis: lists of node options, each of which may hold a URL or a password.
const NODE_LISTS = ['rootNodes', 'sentinelRootNodes'];

/** The secrets in a URL's user info (decoded, as the client sends them), and `?password=`. */
export function urlCredentials(url: string): string[] {
  const found: string[] = [];
  try {
    const parsed = new URL(url);
    if (parsed.password) found.push(decode(parsed.password));
    for (const [name, value] of parsed.searchParams) {
      if (/pass|secret|token|key/i.test(name) && value) found.push(value);
    }
  } catch {
    // A URL that does not parse is never used; its message is masked by redactUrl alone.
  }
  return found;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Every credential in ioredis options (`client.options` of a standalone, Sentinel or Cluster
 * client, which hold what the URL said too): passwords, TLS keys, passphrases and PFX bundles,
 * including a Cluster's `redisOptions` and the startup nodes given as URLs.
 */
export function ioredisCredentials(
  options: unknown,
  startupNodes?: unknown,
): (string | Uint8Array)[] {
  const found: (string | Uint8Array)[] = [];
  collect(options, found, 0);
  if (Array.isArray(startupNodes)) {
    for (const node of startupNodes) {
      if (typeof node === 'string') found.push(...urlCredentials(node));
      else collect(node, found, 0);
    }
  }
  return found;
}

function collect(options: unknown, found: (string | Uint8Array)[], depth: number): void {
  if (typeof options !== 'object' || options === null || depth > 3) return;
  const record = options as Record<string, unknown>;
  for (const name of SECRET_OPTIONS) addSecret(safeRead(record, name), found);
  for (const name of NESTED_OPTIONS) collect(safeRead(record, name), found, depth + 1);
  const url = safeRead(record, 'url');
  if (typeof url === 'string') found.push(...urlCredentials(url));
  for (const name of NODE_LISTS) {
    const nodes = safeRead(record, name);
    if (Array.isArray(nodes)) for (const node of nodes) collect(node, found, depth + 1);
  }
}

// A TLS `key` or `pfx` may be a string, bytes, or a list of them or of `{ pem, passphrase }` /
// `{ buf, passphrase }`.
function addSecret(value: unknown, found: (string | Uint8Array)[]): void {
  if (typeof value === 'string' || value instanceof Uint8Array) {
    found.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) addSecret(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const name of ['pem', 'buf', 'passphrase']) addSecret(safeRead(record, name), found);
  }
}

function safeRead(record: Record<string, unknown>, name: string): unknown {
  try {
    return record[name];
  } catch {
    return undefined;
  }
}

/** Every credential in node-redis options (a client's, a cluster's or a sentinel's). */
export function nodeRedisCredentials(options: unknown): (string | Uint8Array)[] {
  const found: (string | Uint8Array)[] = [];
  collect(options, found, 0);
  return found;
}
