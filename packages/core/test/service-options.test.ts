import { describe, expect, it } from 'vitest';
import {
  type CachedLayerServiceOptions,
  createCachedLayerService,
  type InvalidArgumentError,
  isInvalidArgumentError,
} from '../src/index.js';
import { createScriptedBackend } from './support/backend.js';
import { createMapStore } from './support/map-store.js';
import { createServiceFixture, DIGEST, REPO } from './support/service-fixture.js';

/** The InvalidArgumentError `create` throws, checked to name `argument`. */
function refusal(create: () => unknown, argument: string): string {
  let error: unknown;
  try {
    create();
  } catch (caught) {
    error = caught;
  }
  expect(isInvalidArgumentError(error), String(error)).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  return (error as Error).message;
}

const service = (options: unknown) => () =>
  createCachedLayerService(
    createMapStore().cache,
    createScriptedBackend(),
    options as CachedLayerServiceOptions,
  );

describe('read-through service: its options are checked when it is created', () => {
  it('refuses an unknown option, suggesting the one meant', () => {
    expect(refusal(service({ onErorr: () => {} }), 'onErorr')).toBe(
      'createCachedLayerService: unknown option `onErorr`: did you mean `onError`?',
    );
  });

  it('refuses an onError that is not a function', () => {
    expect(refusal(service({ onError: 'log' }), 'onError')).toBe(
      'createCachedLayerService: onError must be a function, got the string "log"',
    );
  });

  it('refuses a meter that is not an OpenTelemetry Meter, with InvalidArgumentError rather than a TypeError', () => {
    expect(refusal(service({ meter: {} }), 'meter')).toMatch(
      /^createCachedLayerService: meter must be an OpenTelemetry Meter/,
    );
  });

  it('refuses options that are not a plain object (null, a string, a Proxy)', () => {
    for (const options of [null, 'options', new Proxy({}, {})]) {
      refusal(service(options), 'options');
    }
  });

  it('refuses a cache or a backend without the methods it calls', () => {
    const cache = createMapStore().cache;
    expect(refusal(() => createCachedLayerService(cache, {} as never), 'backend')).toMatch(
      /backend must have the methods exists, stat; .* lacks exists, stat/,
    );
    expect(
      refusal(() => createCachedLayerService(null as never, createScriptedBackend()), 'cache'),
    ).toMatch(/cache must have the methods contains, meta, add, setMeta, remove, deleteMeta/);
    // A URL given in the wrong place is named by its kind, never by its text (its password).
    const url = 'redis://registry:hunter2@redis:6379';
    const message = refusal(
      () => createCachedLayerService(url as never, createScriptedBackend()),
      'cache',
    );
    expect(message).toMatch(/; a string lacks contains/);
    expect(message).not.toMatch(/hunter2/);
  });

  it('accepts no options, and the documented ones', () => {
    expect(() => service(undefined)()).not.toThrow();
    expect(() => service({ onError: () => {}, meter: undefined })()).not.toThrow();
  });
});

describe("read-through service: a call's options are checked before the cache or the backend is asked", () => {
  const calls = [
    [
      'exists',
      (s: ReturnType<typeof createServiceFixture>['service'], options: unknown) =>
        s.exists(REPO, DIGEST, options as never),
    ],
    [
      'stat',
      (s: ReturnType<typeof createServiceFixture>['service'], options: unknown) =>
        s.stat(DIGEST, options as never),
    ],
  ] as const;
  const lookalike = { aborted: false, reason: undefined, throwIfAborted() {} };
  const hostile = {
    get signal(): never {
      throw new Error('hostile getter');
    },
  };

  it.each(calls)(
    '%s rejects a signal that is not an AbortSignal, naming signal',
    async (_name, call) => {
      const { service, store, backend, reported } = createServiceFixture();
      for (const signal of ['x', lookalike]) {
        const error = await call(service, { signal }).catch((caught: unknown) => caught);
        expect(isInvalidArgumentError(error) && error.argument, String(error)).toBe('signal');
      }
      expect(store.calls.contains + store.calls.meta).toBe(0);
      expect(backend.calls.exists + backend.calls.stat).toBe(0);
      // The caller's mistake, not a cache error.
      expect(reported).toEqual([]);
    },
  );

  it.each(calls)(
    '%s rejects options that cannot be read, rather than throwing',
    async (_name, call) => {
      const { service, backend } = createServiceFixture();
      for (const options of ['options', hostile, new Proxy({}, {})]) {
        let pending: Promise<unknown> | undefined;
        expect(() => {
          pending = call(service, options);
        }).not.toThrow();
        const error = await pending!.catch((caught: unknown) => caught);
        expect(isInvalidArgumentError(error) && error.argument, String(error)).toBe('options');
      }
      expect(backend.calls.exists + backend.calls.stat).toBe(0);
    },
  );
});
