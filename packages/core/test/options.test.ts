import { describe, expect, it } from 'vitest';
import {
  describeValue,
  isInvalidArgumentError,
  isWellFormedText,
  optionalChoice,
  optionalInteger,
  readOptions,
  suggestOption,
} from '../src/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readOptions', () => {
  it('reads undefined as no options', () => {
    expect(readOptions('f', undefined, ['ttlMs'])).toEqual({});
  });

  it('snapshots only the known options that are set', () => {
    expect(readOptions('f', { ttlMs: 5, max: undefined }, ['ttlMs', 'max'])).toEqual({ ttlMs: 5 });
  });

  it('refuses an unknown option and suggests the close one', () => {
    const error = thrown(() => readOptions('createRedisCache', { ttl: 1000 }, ['url', 'ttlMs']));
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(error).toMatchObject({ argument: 'ttl' });
    expect((error as Error).message).toBe(
      'createRedisCache: unknown option `ttl`: did you mean `ttlMs`?',
    );
  });

  it('suggests across case and unit suffixes', () => {
    expect(suggestOption('fileName', ['filename', 'database'])).toBe('filename');
    expect(suggestOption('commandTimeout', ['commandTimeoutMs', 'ttlMs'])).toBe('commandTimeoutMs');
    expect(suggestOption('max', ['filename', 'database'])).toBeUndefined();
  });

  it('lists the known options when nothing is close', () => {
    const error = thrown(() => readOptions('createMemoryCache', { max: 10 }, ['meter']));
    expect((error as Error).message).toBe(
      'createMemoryCache: unknown option `max`: known options: `meter`',
    );
  });

  it.each([
    ['a string', 'x', 'the string "x"'],
    ['null', null, 'null'],
    ['an array', [], 'an array'],
    ['a number', 3, 'the number 3'],
  ])('refuses %s as options', (_, value, shown) => {
    const error = thrown(() => readOptions('f', value, ['a']));
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as Error).message).toBe(`f: options must be a plain object, got ${shown}`);
  });

  it('refuses a Proxy as options without running its traps', () => {
    let trapped = 0;
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          trapped++;
          throw new TypeError('boom');
        },
      },
    );
    expect(isInvalidArgumentError(thrown(() => readOptions('f', proxy, ['a'])))).toBe(true);
    expect(trapped).toBe(0);
  });

  it('turns a throwing getter into an InvalidArgumentError naming the option', () => {
    const input = {
      get ttlMs(): number {
        throw new TypeError('boom');
      },
    };
    const error = thrown(() => readOptions('f', input, ['ttlMs']));
    expect(error).toMatchObject({
      argument: 'ttlMs',
      message: 'f: option ttlMs could not be read',
    });
    expect(isInvalidArgumentError(error)).toBe(true);
  });

  it('runs each getter once', () => {
    let reads = 0;
    const input = {
      get ttlMs() {
        reads++;
        return 5;
      },
    };
    const options = readOptions('f', input, ['ttlMs']);
    expect(options.ttlMs).toBe(5);
    expect(options.ttlMs).toBe(5);
    expect(reads).toBe(1);
  });
});

describe('optionalInteger', () => {
  it('names the option and the type received', () => {
    const error = thrown(() =>
      optionalInteger('createRedisCache', 'ttlMs', '1000', { min: 1, unit: 'milliseconds' }),
    );
    expect(error).toMatchObject({
      argument: 'ttlMs',
      message:
        'createRedisCache: ttlMs must be a whole number of milliseconds at least 1, got the string "1000"',
    });
  });

  it('refuses an object with no prototype as an InvalidArgumentError, not a TypeError', () => {
    const error = thrown(() =>
      optionalInteger('f', 'ttlMs', Object.create(null), { min: 1, unit: 'milliseconds' }),
    );
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as Error).message).toContain('got an object with no prototype');
  });

  it('accepts the bounds and undefined', () => {
    expect(optionalInteger('f', 'n', 1, { min: 1, max: 2, unit: 'x' })).toBe(1);
    expect(optionalInteger('f', 'n', 2, { min: 1, max: 2, unit: 'x' })).toBe(2);
    expect(optionalInteger('f', 'n', undefined, { min: 1, max: 2, unit: 'x' })).toBeUndefined();
    expect(() => optionalInteger('f', 'n', 3, { min: 1, max: 2, unit: 'x' })).toThrow(
      'from 1 to 2',
    );
  });
});

describe('optionalChoice', () => {
  it('lists the choices', () => {
    expect(() => optionalChoice('f', 'driver', 'redis', ['ioredis', 'node-redis'])).toThrow(
      'f: driver must be one of "ioredis", "node-redis", got the string "redis"',
    );
  });
});

describe('describeValue', () => {
  it.each([
    [Number.NaN, 'NaN'],
    [undefined, 'undefined'],
    [() => 1, 'a function'],
    [10n, 'the bigint 10n'],
    [true, 'the boolean true'],
    ['x'.repeat(50), `the string "${'x'.repeat(40)}…"`],
  ])('describes %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});

describe('isWellFormedText', () => {
  it.each(['\ud800:', '\udc00:', 'a\u0000', 'a\n', '\u007f', '\u0085'])('refuses %j', (text) => {
    expect(isWellFormedText(text)).toBe(false);
  });
  it.each(['layercache:', 'é:', '\ud83d\ude00:', '\ufffd:', ''])('accepts %j', (text) => {
    expect(isWellFormedText(text)).toBe(true);
  });
});
