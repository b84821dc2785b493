import { afterEach, describe, expect, it, vi } from 'vitest';
import { NearEntries } from '../src/near/entries.js';

const META = { path: '/blobs/a', length: 1 };
const FOREVER = Number.POSITIVE_INFINITY;

afterEach(() => {
  vi.useRealTimers();
});

describe('near cache entries', () => {
  it('never holds more than max entries, memberships and metas together', () => {
    const entries = new NearEntries(3);
    for (let index = 0; index < 50; index += 1) {
      if (index % 2 === 0) entries.setMembership(`r/${index % 7}`, `d${index}`, FOREVER);
      else entries.setMeta(`d${index}`, FOREVER, META);
      if (index % 3 === 0) entries.membership(`r/${index % 7}`, `d${index}`);
      expect(entries.size).toBeLessThanOrEqual(3);
    }
    expect(entries.size).toBe(3);
  });

  it('evicts an entry that was not hit before one that was (second chance)', () => {
    const entries = new NearEntries(2);
    entries.setMembership('r/a', 'd1', FOREVER);
    entries.setMembership('r/b', 'd2', FOREVER);
    expect(entries.membership('r/a', 'd1')).toBeDefined();
    entries.setMembership('r/c', 'd3', FOREVER);
    expect(entries.membership('r/a', 'd1')).toBeDefined();
    expect(entries.membership('r/b', 'd2')).toBeUndefined();
    expect(entries.membership('r/c', 'd3')).toBeDefined();
  });

  it('drops every membership of a repository at once, and nothing else', () => {
    const entries = new NearEntries(10);
    entries.setMembership('r/a', 'd1', FOREVER);
    entries.setMembership('r/a', 'd2', FOREVER);
    entries.setMembership('r/b', 'd1', FOREVER);
    entries.setMeta('d1', FOREVER, META);
    entries.dropRepo('r/a');
    expect(entries.membership('r/a', 'd1')).toBeUndefined();
    expect(entries.membership('r/a', 'd2')).toBeUndefined();
    expect(entries.membership('r/b', 'd1')).toBeDefined();
    expect(entries.meta('d1')?.meta).toEqual(META);
    expect(entries.size).toBe(2);
  });

  it('does not serve an entry once Date.now() reaches its expiry', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const entries = new NearEntries(10);
    entries.setMembership('r/a', 'd1', 1_000_500);
    vi.setSystemTime(1_000_499);
    expect(entries.membership('r/a', 'd1')).toBeDefined();
    vi.setSystemTime(1_000_500);
    expect(entries.membership('r/a', 'd1')).toBeUndefined();
    expect(entries.size).toBe(0);
  });

  it('keeps its eviction queue bounded however many entries are dropped', () => {
    const entries = new NearEntries(4);
    for (let index = 0; index < 100_000; index += 1) {
      entries.setMembership('r/a', `d${index}`, FOREVER);
      entries.dropRepo('r/a');
    }
    entries.setMembership('r/b', 'd', FOREVER);
    expect(entries.size).toBe(1);
    // Dead entries do not pile up: at most twice the live ones plus a constant.
    expect(entries.queued).toBeLessThanOrEqual(2 * entries.size + 1024 + 1);
  });
});
