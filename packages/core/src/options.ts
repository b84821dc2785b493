import { types } from 'node:util';
import type { Meter } from '@opentelemetry/api';
import { InvalidArgumentError } from './errors.js';

/**
 * The kit every factory uses to check its options, so that all adapters — ours and third-party —
 * answer a misconfiguration the same way: an unknown name is refused with a suggestion, a wrong
 * type is named with the type received, and a hostile options object (throwing getters, a Proxy)
 * is an `InvalidArgumentError`, never a raw `TypeError`.
 *
 * @example
 * ```ts
 * import { optionalInteger, readOptions } from '@layercache/core';
 *
 * export function createMyCache(input?: MyCacheOptions) {
 *   const options = readOptions('createMyCache', input, ['ttlMs', 'meter']);
 *   const ttlMs = optionalInteger('createMyCache', 'ttlMs', options.ttlMs, { min: 1, unit: 'milliseconds' });
 *   // …
 * }
 * ```
 */

/** The options every adapter factory takes, beside its own. */
export interface AdapterOptions {
  /**
   * An OpenTelemetry `Meter` (from `@opentelemetry/api`): the cache records per-operation counts
   * by outcome and durations through it (see `CACHE_METRICS`). Default: none, and then the hot
   * path records nothing.
   */
  readonly meter?: Meter;
}

/**
 * Names a value for an error message, without echoing it whole: `the string "1000"`,
 * `the number 1.5`, `NaN`, `null`, `an array`, `an object with no prototype`, `a function`.
 * Strings are cut at 40 characters.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return Number.isNaN(value) ? 'NaN' : `the number ${String(value)}`;
    case 'bigint':
      return `the bigint ${String(value)}n`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (types.isProxy(value)) return 'a Proxy';
  if (Array.isArray(value)) return 'an array';
  if (Object.getPrototypeOf(value) === null) return 'an object with no prototype';
  return 'an object';
}

/** The error of a bad option: `argument` is the option's name, the message starts with `factory`. */
export function optionError(factory: string, name: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(name, `${factory}: ${name} ${problem}`);
}

// Optimal string alignment distance, bounded: enough to catch `ttl`/`ttlMs`, `fileName`/`filename`.
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]?.push(j);
        continue;
      }
      const row = rows[i] as number[];
      const previous = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The known name closest to `name` (case, a unit suffix, a typo), if one is close enough. */
export function suggestOption(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    let score: number;
    if (other === lower) score = 0;
    else if (other.startsWith(lower) || lower.startsWith(other)) score = 1;
    else score = distance(lower, other);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Reads an options object once into a plain snapshot holding only `known` names, so later checks
 * see plain values (a getter runs once; a Proxy's traps run here or not at all). `undefined`
 * reads as `{}`. Throws `InvalidArgumentError` for anything but a plain object, for an unknown
 * name (with a suggestion when one is close) and for an option whose getter throws.
 */
export function readOptions<K extends string>(
  factory: string,
  input: unknown,
  known: readonly K[],
): { readonly [P in K]?: unknown } {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input) || types.isProxy(input)) {
    throw optionError(factory, 'options', `must be a plain object, got ${describeValue(input)}`);
  }
  let names: (string | symbol)[];
  try {
    names = Reflect.ownKeys(input);
  } catch (error) {
    throw new InvalidArgumentError('options', `${factory}: options could not be read`, {
      cause: error,
    });
  }
  const snapshot: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    if (typeof name === 'symbol') continue;
    if (!(known as readonly string[]).includes(name)) {
      // Only enumerable own names are options; a class instance's non-enumerable fields are not.
      if (!Object.prototype.propertyIsEnumerable.call(input, name)) continue;
      const suggestion = suggestOption(name, known);
      const hint =
        suggestion !== undefined
          ? `did you mean \`${suggestion}\`?`
          : `known options: ${known.map((option) => `\`${option}\``).join(', ')}`;
      throw new InvalidArgumentError(name, `${factory}: unknown option \`${name}\`: ${hint}`);
    }
  }
  for (const name of known) {
    try {
      const value = (input as Record<string, unknown>)[name];
      if (value !== undefined) snapshot[name] = value;
    } catch (error) {
      throw new InvalidArgumentError(name, `${factory}: option ${name} could not be read`, {
        cause: error,
      });
    }
  }
  return snapshot;
}

/** Constraints of {@link optionalInteger}. */
export interface IntegerConstraints {
  /** Smallest accepted value. Default: 0. */
  readonly min?: number;
  /** Largest accepted value. Default: `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
  /** What the number counts, for the message: `"milliseconds"`, `"entries"`. */
  readonly unit: string;
}

/** `undefined`, or a safe integer within the bounds; anything else is an `InvalidArgumentError`. */
export function optionalInteger(
  factory: string,
  name: string,
  value: unknown,
  { min = 0, max = Number.MAX_SAFE_INTEGER, unit }: IntegerConstraints,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw optionError(
      factory,
      name,
      `must be a whole number of ${unit} ${range}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** `undefined`, or a string (non-empty unless `allowEmpty`); anything else is an `InvalidArgumentError`. */
export function optionalString(
  factory: string,
  name: string,
  value: unknown,
  { allowEmpty = false }: { readonly allowEmpty?: boolean } = {},
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw optionError(factory, name, `must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/** `undefined`, or one of `choices`; anything else is an `InvalidArgumentError`. */
export function optionalChoice<const T extends string>(
  factory: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    const list = choices.map((choice) => JSON.stringify(choice)).join(', ');
    throw optionError(factory, name, `must be one of ${list}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** `undefined`, or a boolean; anything else is an `InvalidArgumentError`. */
export function optionalBoolean(
  factory: string,
  name: string,
  value: unknown,
): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    throw optionError(factory, name, `must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `undefined`, or an OpenTelemetry `Meter` (an object with `createCounter` and
 * `createHistogram`); anything else is an `InvalidArgumentError`.
 */
export function optionalMeter(factory: string, name: string, value: unknown): Meter | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<Meter> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.createCounter !== 'function' ||
    typeof candidate.createHistogram !== 'function'
  ) {
    throw optionError(
      factory,
      name,
      `must be an OpenTelemetry Meter (metrics.getMeter(...)), got ${describeValue(value)}`,
    );
  }
  return value as Meter;
}

/**
 * `true` when `value` is a well-formed UTF-16 string with no control character (C0, DEL, C1):
 * what a key prefix or a name written to a backend must be, since a lone surrogate becomes
 * U+FFFD on the wire and two different strings would then share keys.
 */
export function isWellFormedText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit < 0xa0)) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}
