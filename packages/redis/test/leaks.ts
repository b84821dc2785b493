import { inspect } from 'node:util';

/**
 * Everything a logger, `util.inspect` or `JSON.stringify` could print of an error: every string
 * reachable through own properties (enumerable or not, getters included), `cause` chains and
 * arrays such as `command.args`, plus the inspected and serialized forms.
 */
export function reachableText(error: unknown): string {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      texts.push(value);
      return;
    }
    if (value instanceof Uint8Array) {
      texts.push(Buffer.from(value).toString('utf8'));
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 30) return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      let inner: unknown;
      try {
        inner = (value as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      walk(inner, depth + 1);
    }
  };
  walk(error, 0);
  texts.push(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
  const cycles = new WeakSet<object>();
  texts.push(
    JSON.stringify(error, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null) {
        if (cycles.has(value)) return '[cycle]';
        cycles.add(value);
        if (value instanceof Error) {
          // What a JSON logger adds: the non-enumerable message, stack and cause.
          return { ...value, message: value.message, stack: value.stack, cause: value.cause };
        }
      }
      return value;
    }) ?? '',
  );
  return texts.join('\n');
}

/** Fails when any of `secrets` is reachable from `error`. */
export function findSecrets(error: unknown, secrets: readonly string[]): string[] {
  const text = reachableText(error);
  return secrets.filter((secret) => text.includes(secret));
}
