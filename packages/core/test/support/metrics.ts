import type { Attributes, Meter } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

// The SDK's reader with nothing to push to: `collect()` hands back what was recorded, in memory.
class InMemoryReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Readings of the metrics recorded so far, summed over the data points matching `attributes`. */
export interface Readings {
  /** Sum of counter `name` over its points whose attributes include `attributes`. */
  sum(name: string, attributes?: Attributes): number;
  /** Number of measurements histogram `name` received over the matching points. */
  count(name: string, attributes?: Attributes): number;
  /** Largest measurement histogram `name` received over the matching points. */
  max(name: string, attributes?: Attributes): number;
  /** Bucket boundaries of histogram `name` (of its first matching point). */
  boundaries(name: string, attributes?: Attributes): number[];
  /** The names of every instrument that recorded something. */
  readonly names: string[];
  /** The instrumentation scopes (meter names) that recorded something. */
  readonly scopes: string[];
}

export interface TestMeter {
  readonly meter: Meter;
  readonly provider: MeterProvider;
  collect(): Promise<Readings>;
  shutdown(): Promise<void>;
}

function matches(point: Attributes, wanted: Attributes): boolean {
  return Object.entries(wanted).every(([key, value]) => point[key] === value);
}

function readings(resourceMetrics: ResourceMetrics): Readings {
  const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  const points = (name: string, attributes: Attributes) =>
    metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) =>
        metric.dataPoints
          .filter((point) => matches(point.attributes, attributes))
          .map((point) => ({ type: metric.dataPointType, value: point.value })),
      );
  const histograms = (name: string, attributes: Attributes) =>
    points(name, attributes).map((point) => {
      if (point.type !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      return point.value as { count: number; max?: number; buckets: { boundaries: number[] } };
    });
  return {
    names: metrics.map((metric) => metric.descriptor.name),
    scopes: resourceMetrics.scopeMetrics.map((scope) => scope.scope.name),
    sum(name, attributes = {}) {
      let total = 0;
      for (const point of points(name, attributes)) {
        if (point.type !== DataPointType.SUM) throw new Error(`${name} is not a counter`);
        total += point.value as number;
      }
      return total;
    },
    count(name, attributes = {}) {
      return histograms(name, attributes).reduce((total, value) => total + value.count, 0);
    },
    boundaries(name, attributes = {}) {
      return histograms(name, attributes)[0]?.buckets.boundaries ?? [];
    },
    max(name, attributes = {}) {
      return Math.max(...histograms(name, attributes).map((value) => value.max ?? Number.NaN));
    },
  };
}

/** A real OpenTelemetry SDK meter whose measurements the test reads back exactly. */
export function createTestMeter(): TestMeter {
  const reader = new InMemoryReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('layercache-test'),
    provider,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
      return readings(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}
