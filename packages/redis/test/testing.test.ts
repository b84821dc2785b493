import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type RedisServer,
  sendRedisCommand,
  startRedisCluster,
  startRedisServer,
} from '../src/testing/index.js';

describe('@layercache/redis/testing', () => {
  it('says how to install Redis when redis-server is missing', async () => {
    await expect(
      startRedisServer({ executable: 'redis-server-that-does-not-exist' }),
    ).rejects.toThrow(/apt-get install -y redis-server/);
  });

  it('starts a server without persistence on a free port, restarts it on the same port, and stops it by PID', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'save'])).toEqual([
        'save',
        '',
      ]);
      expect(
        await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'appendonly']),
      ).toEqual(['appendonly', 'no']);
      const dir = (await sendRedisCommand(server.host, server.port, [
        'CONFIG',
        'GET',
        'dir',
      ])) as string[];
      const pid = server.pid!;
      expect(pid).toBeGreaterThan(0);

      await server.kill();
      expect(server.pid).toBeUndefined();
      expect(() => process.kill(pid, 0)).toThrow();
      await expect(sendRedisCommand(server.host, server.port, ['PING'], 500)).rejects.toThrow();

      const port = server.port;
      await server.restart();
      expect(server.port).toBe(port);
      expect(await sendRedisCommand(server.host, server.port, ['PING'])).toBe('PONG');

      await server.stop();
      expect(existsSync(dir[1]!)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it("refuses a port that is taken instead of talking to someone else's server", async () => {
    await using first = await startRedisServer();
    await expect(startRedisServer({ port: first.port, startTimeoutMs: 3000 })).rejects.toThrow(
      /exited during startup|already taken/,
    );
  });

  it('a server killed with a signal reports no pid', async () => {
    await using server = await startRedisServer();
    const pid = server.pid!;
    await server.kill('SIGKILL');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(server.pid).toBeUndefined();
  });

  it('a server that died on its own (SIGKILL from elsewhere) reports no pid', async () => {
    await using server = await startRedisServer();
    process.kill(server.pid!, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (server.pid !== undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(server.pid).toBeUndefined();
  });

  it('startRedisCluster resolves only once every replica has finished its first sync', async () => {
    await using cluster = await startRedisCluster();
    const roles = await Promise.all(
      cluster.servers.map(async (server: RedisServer) =>
        String(await sendRedisCommand(server.host, server.port, ['INFO', 'replication'])),
      ),
    );
    const replicas = roles.filter((info) => info.includes('role:slave'));
    expect(replicas).toHaveLength(3);
    for (const info of replicas) expect(info).toContain('master_link_status:up');
  }, 60_000);

  it('a master of a freshly started cluster that dies at once is replaced by its replica', async () => {
    await using cluster = await startRedisCluster();
    const master = await firstMaster(cluster.servers);
    await master.kill('SIGKILL');
    // Failover needs the node timeout (1 s) plus an election; a replica that never synced is
    // never elected and the cluster stays down.
    await cluster.waitUntilHealthy(10_000);
  }, 60_000);
});

async function firstMaster(servers: readonly RedisServer[]): Promise<RedisServer> {
  for (const server of servers) {
    const info = String(await sendRedisCommand(server.host, server.port, ['INFO', 'replication']));
    if (info.includes('role:master')) return server;
  }
  throw new Error('the cluster has no master');
}
