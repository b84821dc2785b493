import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlotMarkers, keySlot } from '../src/slot.js';
import { type RedisServer, sendRedisCommand, startRedisServer } from '../src/testing/index.js';

let server: RedisServer;

// CLUSTER KEYSLOT answers on any node started with cluster support, even one in no cluster.
beforeAll(async () => {
  server = await startRedisServer({ args: ['--cluster-enabled', 'yes'] });
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const redisSlot = async (key: string) =>
  Number(await sendRedisCommand(server.host, server.port, ['CLUSTER', 'KEYSLOT', key]));

describe('key slots', () => {
  it('are the slots Redis computes, hash tags and non-ASCII keys included', async () => {
    const keys = [
      '',
      'a',
      'layercache:r:library/alpine',
      'layercache:m:sha256:0123456789abcdef',
      '{user1000}.following',
      'foo{}{bar}',
      'foo{{bar}}zap',
      'foo{bar}{zap}',
      '{',
      '}{x}',
      'préfixe-ü-☃:r:a',
      ...Array.from({ length: 200 }, (_, index) => `lc:r:repo-${index}/image`),
    ];
    for (const key of keys) expect([key, keySlot(key)]).toEqual([key, await redisSlot(key)]);
  });

  it('a marker key of the prefix is found for every slot asked for', async () => {
    const marker = createSlotMarkers('lc-test:');
    for (const slot of [0, 1, 5460, 5461, 10922, 10923, 16383]) {
      const key = marker(slot)!;
      expect(key.startsWith('lc-test:c:')).toBe(true);
      expect(await redisSlot(key)).toBe(slot);
    }
  });

  it('with a hash-tagged prefix the marker lands in the one slot every key of it uses', async () => {
    const marker = createSlotMarkers('{tenant}:');
    const slot = keySlot('{tenant}:r:library/alpine');
    expect(await redisSlot(marker(slot)!)).toBe(slot);
    expect(marker((slot + 1) % 16384)).toBeUndefined();
  });
});
