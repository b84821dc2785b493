import { createRequire } from 'node:module';
import { InvalidArgumentError } from '@layercache/core';

const require = createRequire(import.meta.url);

/** The package each driver loads, as a user installs it. */
export const DRIVER_PACKAGES = { ioredis: 'ioredis', 'node-redis': 'redis' } as const;

/**
 * Loads a client library for a connection the cache creates, only then: both libraries are
 * optional peer dependencies, and a borrowed client needs neither to be loadable. Synchronous
 * (`createRedisCache` is), which both libraries allow: they are CommonJS packages.
 */
export function loadLibrary<T>(driver: keyof typeof DRIVER_PACKAGES): T {
  const name = DRIVER_PACKAGES[driver];
  try {
    return require(name) as T;
  } catch (error) {
    const missing = (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND';
    throw new InvalidArgumentError(
      'driver',
      missing
        ? `createRedisCache: driver "${driver}" needs the package "${name}": npm install ${name}`
        : `createRedisCache: driver "${driver}" could not load "${name}"`,
      { cause: error },
    );
  }
}
