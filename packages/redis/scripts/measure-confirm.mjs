// What a confirmed revocation costs: c=1 latency of `remove` (add, then remove, one at a time) on
// a standalone master with and without a replica, and on a Cluster (3 masters, 1 replica each)
// with confirmations on ('auto') and off, on the connections the cache creates with one client
// library. Run after `pnpm --filter @layercache/redis build`:
//
//   node packages/redis/scripts/measure-confirm.mjs [iterations] [ioredis|node-redis]
import { createRedisCache } from '../dist/index.js';
import { sendRedisCommand, startRedisCluster, startRedisServer } from '../dist/testing/index.js';

const iterations = Number(process.argv[2] ?? 5000);
const driver = process.argv[3] ?? 'ioredis';
if (driver !== 'ioredis' && driver !== 'node-redis') {
  throw new Error(`the driver is ioredis or node-redis, got ${driver}`);
}
console.log(`${driver}, c=1, ${iterations} removes per line`);
const hex = (n) => n.toString(16).padStart(64, '0');

async function measure(label, options) {
  const cache = createRedisCache({ ...options, driver, keyPrefix: `measure-${label}:` });
  const samples = [];
  for (let i = 0; i < iterations + 500; i++) {
    const repo = `team/repo-${i % 97}`;
    const digest = `sha256:${hex(i)}`;
    await cache.add(repo, digest);
    const started = process.hrtime.bigint();
    const removed = await cache.remove(repo, digest);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e3;
    if (!removed) throw new Error('remove answered false');
    if (i >= 500) samples.push(elapsed); // after a warm-up
  }
  await cache.close();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  console.log(
    `${label.padEnd(44)} p50 ${(at(0.5) / 1000).toFixed(3)} ms  p99 ${(at(0.99) / 1000).toFixed(3)} ms  (${samples.length} removes)`,
  );
}

// Node 20 has no `await using`: stopped explicitly.
{
  const master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  await measure('standalone, no replica (auto)', { url: master.url });
  const replica = await startRedisServer({
    args: ['--replicaof', master.host, String(master.port)],
  });
  for (;;) {
    const info = String(
      await sendRedisCommand(replica.host, replica.port, ['INFO', 'replication']),
    );
    if (info.includes('master_link_status:up')) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await measure('standalone + replica, confirmRevocations false', {
    url: master.url,
    confirmRevocations: false,
  });
  await measure('standalone + replica, confirmed (auto)', { url: master.url });
  await Promise.all([master.stop(), replica.stop()]);
}
{
  const cluster = await startRedisCluster();
  await measure('cluster 3+3, confirmRevocations false', {
    cluster: { nodes: cluster.nodes },
    confirmRevocations: false,
  });
  await measure('cluster 3+3, confirmed (auto)', { cluster: { nodes: cluster.nodes } });
  await cluster.stop();
}
