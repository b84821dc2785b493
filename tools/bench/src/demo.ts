import { join } from 'node:path';
import { redisCommandCount } from './adapters/probes.js';
import { ADAPTERS } from './adapters/registry.js';
import type { AdapterInstance } from './adapters/types.js';
import { errorMessage, runCommand } from './cli/args.js';
import { withInterruptCleanup } from './cli/interrupt.js';
import { createProgress } from './cli/progress.js';
import { createRunContext } from './context.js';
import { DEMO_USAGE, parseDemoArgs } from './demo/options.js';
import { renderDemoReport } from './demo/report.js';
import type { DemoResult } from './demo/result.js';
import { replayWithAndWithoutCache } from './demo/run.js';
import { type ServedRegistry, serveDemoTree, serveInstructions } from './demo/serve.js';
import { createPullWorkload } from './demo/workload.js';
import { writeImageManifests } from './storage/manifests.js';
import { scanStorageTree } from './storage/scan.js';
import { buildStorageTree } from './storage/tree.js';

async function main(argv: readonly string[]): Promise<void> {
  const options = parseDemoArgs(argv);
  if (options.help) {
    process.stdout.write(DEMO_USAGE);
    return;
  }
  const context = await createRunContext({
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
    ...(options.driver === undefined ? {} : { redisDriver: options.driver }),
    ...(options.near === undefined ? {} : { redisNear: options.near }),
  });
  let instance: AdapterInstance | undefined;
  let served: ServedRegistry | undefined;
  let cleaning: Promise<void> | undefined;
  // Once only, and every caller waits for all of it: with --serve, Ctrl-C both runs it and ends
  // the work (the registry exits), whose own cleanup must not return before the tree is removed.
  const cleanup = () => {
    cleaning ??= (async () => {
      const open = instance;
      instance = undefined;
      try {
        await served?.stop();
        await open?.close();
      } finally {
        await context.dispose();
      }
    })();
    return cleaning;
  };
  const render = (result: DemoResult) =>
    options.json ? `${JSON.stringify(result, null, 2)}\n` : renderDemoReport(result);

  const result = await withInterruptCleanup(async (): Promise<DemoResult> => {
    const progress = createProgress();
    const generated = options.root === undefined;
    const root = options.root ?? join(context.scratchDir, 'storage');
    const inventory = generated
      ? await buildStorageTree(root, { repositories: options.repos, seed: options.seed })
      : await scanStorageTree(root);
    const requests = createPullWorkload(inventory, options);

    const adapter = ADAPTERS[options.adapter];
    try {
      instance = await adapter.create(context, 'demo');
    } catch (error) {
      throw new Error(`the ${options.adapter} adapter is unavailable: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    // Redis commands of the replay through the cache: the server's command count around it, less
    // what one reading of it costs (its own connection's commands). Only the cache's replay
    // talks to Redis; a shared --redis-url server counts its other clients too.
    const redisUrl = options.adapter === 'redis' ? (await context.redis()).url : undefined;
    let commandsBefore = 0;
    let probeCost = 0;
    if (redisUrl !== undefined) {
      const first = await redisCommandCount(redisUrl);
      commandsBefore = await redisCommandCount(redisUrl);
      probeCost = commandsBefore - first;
    }
    const pair = await replayWithAndWithoutCache({
      root,
      latencyMs: options.latencyMs,
      concurrency: options.concurrency,
      requests,
      cache: instance.cache,
      progress,
    });
    const redisCommands =
      redisUrl === undefined
        ? undefined
        : (await redisCommandCount(redisUrl)) - commandsBefore - probeCost;
    const saved = pair.withoutCache.backendCalls.total - pair.withCache.backendCalls.total;
    const redis = options.adapter === 'redis' ? await context.redis() : undefined;
    const near = options.near;
    const result: DemoResult = {
      simulatedLatencyMs: options.latencyMs,
      adapter: {
        name: options.adapter,
        detail:
          redis === undefined
            ? adapter.description
            : `${adapter.description} on ${options.driver ?? 'ioredis'}, ${redis.owned ? 'throwaway redis-server' : redis.url}` +
              (near === undefined
                ? ''
                : `, near cache (max ${near.max ?? 'default'}, maxStalenessMs ${near.maxStalenessMs ?? 'default'})`),
      },
      storage: {
        root,
        generated,
        repositories: inventory.repositories.length,
        blobs: inventory.blobs,
        links: inventory.links,
      },
      workload: {
        requests: options.requests,
        concurrency: options.concurrency,
        skew: options.skew,
        foreignRatio: options.foreignRatio,
        seed: options.seed,
      },
      withoutCache: pair.withoutCache,
      withCache: pair.withCache,
      perRequest: {
        backendCallsWithoutCache:
          pair.withoutCache.backendCalls.total / Math.max(1, pair.withoutCache.requests),
        backendCallsWithCache:
          pair.withCache.backendCalls.total / Math.max(1, pair.withCache.requests),
        ...(redisCommands === undefined
          ? {}
          : { redisCommands: redisCommands / Math.max(1, pair.withCache.requests) }),
      },
      saved: {
        backendCalls: saved,
        ratio: saved / Math.max(1, pair.withoutCache.backendCalls.total),
      },
      mismatches: pair.mismatches,
      answersIdentical: pair.mismatches === 0,
    };
    if (!options.serve) return result;

    // --serve: the same tree, now behind a real HTTP registry (examples/registry). A generated
    // tree gets manifests first; a --root tree is never written to.
    process.stdout.write(render(result));
    if (generated) writeImageManifests(root, inventory);
    // The served registry never writes to a Redis the user lent us (its keys would outlive the
    // run): with --redis-url it caches in SQLite instead; a throwaway server is fine.
    const lentRedis = redis !== undefined && !redis.owned;
    served = await serveDemoTree({
      root,
      port: options.port,
      adapter: lentRedis ? 'sqlite' : options.adapter,
      ...(redis === undefined || lentRedis ? {} : { redisUrl: redis.url }),
    });
    const instructions = serveInstructions(
      served.url,
      inventory.repositories.map((repository) => repository.name),
    );
    (options.json ? process.stderr : process.stdout).write(instructions);
    // Runs until Ctrl-C (the interrupt cleanup stops the registry) or the registry stops.
    const code = await served.exited;
    if (cleaning !== undefined) return result;
    throw new Error(`the example registry stopped (exit code ${code})`);
  }, cleanup);

  if (!options.serve) process.stdout.write(render(result));
  if (result.mismatches > 0) process.exitCode = 1;
}

await runCommand('demo', main);
