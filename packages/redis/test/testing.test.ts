import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sendRedisCommand, startRedisServer } from '../src/testing/index.js';

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
});
