import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CACHE_METRICS } from '../cache-metrics.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';

interface Recorded {
  readonly instrument: string;
  readonly value: number;
  readonly attributes: Attributes;
}

/**
 * Just enough of an OpenTelemetry `Meter` to see what a cache records, so the suite needs no SDK:
 * every `add` and `record` is kept with its attributes.
 */
function recordingMeter(): { meter: Meter; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const instrument = (name: string) => ({
    add: (value: number, attributes: Attributes = {}) =>
      recorded.push({ instrument: name, value, attributes }),
    record: (value: number, attributes: Attributes = {}) =>
      recorded.push({ instrument: name, value, attributes }),
  });
  const meter = {
    createCounter: (name: string) => instrument(name) as unknown as Counter,
    createHistogram: (name: string) => instrument(name) as unknown as Histogram,
  } as unknown as Meter;
  return { meter, recorded };
}

function tally(recorded: Recorded[], instrument: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of recorded) {
    if (r.instrument !== instrument) continue;
    const key = `${String(r.attributes['layercache.operation'])} ${String(r.attributes['layercache.outcome'])}`;
    out[key] = (out[key] ?? 0) + (instrument === CACHE_METRICS.operations ? r.value : 1);
  }
  return out;
}

export function metricsChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const d = digest('metrics');

  describe.skipIf(!h.capabilities.metrics)('metrics (capability "metrics")', () => {
    it('counts every operation by outcome, exactly once, and times each call', t, async () => {
      const { meter, recorded } = recordingMeter();
      const { cache } = await h.open({ meter });
      await cache.contains('team/a', d);
      await cache.add('team/a', d);
      await cache.contains('team/a', d);
      await cache.meta(d).catch(() => {});
      await cache.setMeta(d, { path: '/m', length: 1 });
      await cache.meta(d);
      await cache.remove('team/a', d);
      await cache.deleteMeta(d);
      await cache.clear();
      await cache.contains('Not/Valid', d).catch(() => {});
      const expected = {
        'contains miss': 1,
        'add ok': 1,
        'contains hit': 1,
        'meta miss': 1,
        'setMeta ok': 1,
        'meta hit': 1,
        'remove ok': 1,
        'deleteMeta ok': 1,
        'clear ok': 1,
        'contains error': 1,
      };
      expect(
        tally(recorded, CACHE_METRICS.operations),
        `after one call of each operation (plus an invalid contains), ${CACHE_METRICS.operations} by "operation outcome"`,
      ).toEqual(expected);
      expect(
        tally(recorded, CACHE_METRICS.duration),
        `one ${CACHE_METRICS.duration} per call`,
      ).toEqual(expected);
      const names = new Set(recorded.map((r) => String(r.attributes['layercache.cache'])));
      expect(names.size, 'every measurement names the same cache').toBe(1);
    });
  });
}
