import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  ErrorCode,
  InvalidArgumentError,
  isClosedError,
  isInvalidArgumentError,
  isLayerCacheError,
  isNotFoundError,
  isUnavailableError,
  LayerCacheError,
  NotFoundError,
  UnavailableError,
} from '../src/index.js';

const digest = `sha256:${'ab'.repeat(32)}`;

const guards = {
  isNotFoundError,
  isInvalidArgumentError,
  isUnavailableError,
  isClosedError,
} as const;

const cases = [
  {
    make: () => new NotFoundError(digest),
    Class: NotFoundError,
    name: 'NotFoundError',
    code: 'ERR_LAYERCACHE_NOT_FOUND',
    guard: 'isNotFoundError',
  },
  {
    make: () => new InvalidArgumentError('repo', 'repository name must not be empty'),
    Class: InvalidArgumentError,
    name: 'InvalidArgumentError',
    code: 'ERR_LAYERCACHE_INVALID_ARGUMENT',
    guard: 'isInvalidArgumentError',
  },
  {
    make: () => new UnavailableError('layercache redis: add failed: ECONNREFUSED'),
    Class: UnavailableError,
    name: 'UnavailableError',
    code: 'ERR_LAYERCACHE_UNAVAILABLE',
    guard: 'isUnavailableError',
  },
  {
    make: () => new ClosedError('add'),
    Class: ClosedError,
    name: 'ClosedError',
    code: 'ERR_LAYERCACHE_CLOSED',
    guard: 'isClosedError',
  },
] as const;

describe('error classes', () => {
  it('keep the stable codes of the contract', () => {
    expect(ErrorCode).toEqual({
      NotFound: 'ERR_LAYERCACHE_NOT_FOUND',
      InvalidArgument: 'ERR_LAYERCACHE_INVALID_ARGUMENT',
      Unavailable: 'ERR_LAYERCACHE_UNAVAILABLE',
      Closed: 'ERR_LAYERCACHE_CLOSED',
    });
  });

  it.each(cases)('$name carries code $code', ({ make, code }) => {
    expect(make().code).toBe(code);
  });

  it.each(cases)('$name is named after its class, in name and in the stack', ({ make, name }) => {
    const error = make();
    expect(error.name).toBe(name);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
    expect(error.stack).toMatch(new RegExp(`^${name}: `));
  });

  it.each(cases)('$name is a LayerCacheError and an Error', ({ make, Class }) => {
    const error = make();
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(LayerCacheError);
    expect(error).toBeInstanceOf(Error);
  });

  it.each(cases)('$name is not an instance of the other error classes', ({ make, Class }) => {
    const error = make();
    for (const Other of [NotFoundError, InvalidArgumentError, UnavailableError, ClosedError]) {
      if (Other !== Class) expect(error).not.toBeInstanceOf(Other);
    }
  });

  it('LayerCacheError is named LayerCacheError and keeps the code it is given', () => {
    const error = new LayerCacheError(ErrorCode.Unavailable, 'boom');
    expect(error.name).toBe('LayerCacheError');
    expect(error.code).toBe('ERR_LAYERCACHE_UNAVAILABLE');
    expect(error.message).toBe('boom');
  });

  it('NotFoundError names the digest, in a field and in the message', () => {
    const error = new NotFoundError(digest);
    expect(error.digest).toBe(digest);
    expect(error.message).toContain(digest);
  });

  it('InvalidArgumentError names the argument and keeps the message as given', () => {
    const error = new InvalidArgumentError('meta', 'meta.path must not be empty');
    expect(error.argument).toBe('meta');
    expect(error.message).toBe('meta.path must not be empty');
  });

  it('UnavailableError keeps the original failure as cause', () => {
    const original = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const error = new UnavailableError('layercache redis: add failed', { cause: original });
    expect(error.cause).toBe(original);
  });

  it('InvalidArgumentError can carry a cause', () => {
    const original = new RangeError('bad');
    expect(new InvalidArgumentError('ttlMs', 'ttlMs is bad', { cause: original }).cause).toBe(
      original,
    );
  });

  it('has no cause unless one is given', () => {
    const error = new UnavailableError('down');
    expect('cause' in error).toBe(false);
  });

  it('ClosedError names the operation that was refused', () => {
    expect(new ClosedError('setMeta').message).toBe('cannot setMeta: the cache is closed');
  });
});

describe('error guards', () => {
  it.each(cases)('only $guard recognises $name', ({ make, guard }) => {
    const error = make();
    for (const [name, check] of Object.entries(guards)) {
      expect(check(error), name).toBe(name === guard);
    }
    expect(isLayerCacheError(error)).toBe(true);
  });

  it.each(cases)('$guard recognises a $name from another copy of core', ({ code, guard }) => {
    // What a second installed copy of @layercache/core would throw: same code, other classes.
    class ForeignLayerCacheError extends Error {
      readonly code: string = code;
    }
    const foreign = new ForeignLayerCacheError('from the other copy');
    expect(foreign).not.toBeInstanceOf(LayerCacheError);
    expect(guards[guard](foreign)).toBe(true);
    expect(isLayerCacheError(foreign)).toBe(true);
    for (const [name, check] of Object.entries(guards)) {
      if (name !== guard) expect(check(foreign), name).toBe(false);
    }
  });

  it('isLayerCacheError recognises a future code of another copy of core', () => {
    const future = Object.assign(new Error('newer core'), { code: 'ERR_LAYERCACHE_QUOTA' });
    expect(isLayerCacheError(future)).toBe(true);
    expect(Object.values(guards).some((check) => check(future))).toBe(false);
  });

  it.each([
    ['an Error with a Node code', Object.assign(new Error('x'), { code: 'ENOENT' })],
    ['an Error without a code', new Error('x')],
    ['an AbortError', new DOMException('aborted', 'AbortError')],
    ['an Error with a numeric code', Object.assign(new Error('x'), { code: 404 })],
  ])('no guard recognises %s', (_, error) => {
    expect(isLayerCacheError(error)).toBe(false);
    for (const check of Object.values(guards)) expect(check(error)).toBe(false);
  });

  it.each([
    ['a plain object with the code', { code: 'ERR_LAYERCACHE_NOT_FOUND', message: 'x' }],
    ['the code string itself', 'ERR_LAYERCACHE_NOT_FOUND'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 1],
  ])('no guard recognises %s, which is not an Error', (_, value) => {
    expect(isLayerCacheError(value)).toBe(false);
    for (const check of Object.values(guards)) expect(check(value)).toBe(false);
  });
});
