import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { pack } from './pack.js';
import { startRedisServer } from './redis-server.js';
import { listPublishedPackages } from './workspace.js';

// Done once for every test file: the packages are packed once (the pnpm and the npm projects
// install the same tarballs) and one redis-server serves every project, each in its own database.

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each built published package's tarball, by name; empty when packing failed. */
    tarballs: Record<string, string>;
    /** Why there are no tarballs, when packing failed. */
    packFailure: string | undefined;
    packMs: number;
    /** A Redis the checks may use, or why there is none. */
    redisUrl: string | undefined;
    /** Whether `redisUrl` is a server of our own, whose databases 1 to 15 the checks may use. */
    redisOwned: boolean;
    redisFailure: string | undefined;
  }
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const built = listPublishedPackages().filter((pkg) => pkg.missing.length === 0);
  const destination = mkdtempSync(join(tmpdir(), 'layercache-package-check-tarballs-'));
  const started = performance.now();
  const [packed, redis] = await Promise.allSettled([
    // Every adapter depends on core: without a built core nothing can be installed.
    built.some((pkg) => pkg.name === '@layercache/core')
      ? pack(built, destination)
      : Promise.reject(new Error('@layercache/core is not built: run pnpm build first')),
    process.env.REDIS_URL === undefined ? startRedisServer() : undefined,
  ]);
  project.provide('packMs', performance.now() - started);
  project.provide(
    'tarballs',
    packed.status === 'fulfilled' ? Object.fromEntries(packed.value) : {},
  );
  project.provide(
    'packFailure',
    packed.status === 'rejected' ? describeFailure(packed.reason) : undefined,
  );
  project.provide(
    'redisUrl',
    redis.status === 'fulfilled' ? (redis.value?.url ?? process.env.REDIS_URL) : undefined,
  );
  project.provide('redisOwned', redis.status === 'fulfilled' && redis.value !== undefined);
  project.provide(
    'redisFailure',
    redis.status === 'rejected' ? describeFailure(redis.reason) : undefined,
  );
  return async () => {
    if (redis.status === 'fulfilled') await redis.value?.stop();
    rmSync(destination, { recursive: true, force: true });
  };
}
