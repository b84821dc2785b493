import { types } from 'node:util';
import { InvalidArgumentError } from './errors.js';
import { describeValue } from './options.js';
import type { CallOptions } from './types.js';

// A brand check: the `aborted` getter throws for anything that is not a real AbortSignal (a
// look-alike `{ aborted: false, throwIfAborted() {} }`); a Proxy of one is refused too, since its
// traps could answer differently each time they are asked.
const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;

function isAbortSignal(signal: unknown): signal is AbortSignal {
  if (typeof signal !== 'object' || signal === null || types.isProxy(signal)) return false;
  try {
    abortedGetter?.call(signal);
    return abortedGetter !== undefined;
  } catch {
    return false;
  }
}

/**
 * The signal of a call's `options`, read once and checked; a refusal is returned rather than
 * thrown so that the method can turn it into its rejected promise. Never throws: a throwing
 * getter or a Proxy as `options` must give a rejection, not a synchronous throw.
 */
export function signalOf(
  options: CallOptions | undefined,
): AbortSignal | InvalidArgumentError | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || types.isProxy(options)) {
    return new InvalidArgumentError(
      'options',
      `options must be a plain object such as { signal }, got ${describeValue(options)}`,
    );
  }
  let signal: unknown;
  try {
    signal = options.signal;
  } catch (error) {
    return new InvalidArgumentError('options', 'options.signal could not be read', {
      cause: error,
    });
  }
  if (signal === undefined || isAbortSignal(signal)) return signal;
  return new InvalidArgumentError(
    'signal',
    `options.signal must be an AbortSignal, got ${describeValue(signal)}`,
  );
}
