import * as hdr from 'hdr-histogram-js';

/** Latency percentiles, in microseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/**
 * Records latencies in nanoseconds into an HDR histogram (3 significant digits, auto-resizing):
 * constant memory and constant-time recording however many operations run, and percentiles that
 * do not drop the tail the way a sampled array does.
 */
export class LatencyRecorder {
  readonly #histogram = hdr.build({ numberOfSignificantValueDigits: 3 });

  /** Records one operation that took `ms` milliseconds (a `performance.now()` difference). */
  record(ms: number): void {
    this.#histogram.recordValue(ms > 0 ? Math.round(ms * 1e6) : 1);
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Adds another recorder's values (rounds of the same cell are merged). */
  add(other: LatencyRecorder): void {
    this.#histogram.add(other.#histogram);
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const us = (ns: number) => Math.round(ns / 10) / 100;
    return {
      p50: us(h.getValueAtPercentile(50)),
      p99: us(h.getValueAtPercentile(99)),
      mean: us(h.mean),
      max: us(h.maxValue),
    };
  }

  destroy(): void {
    this.#histogram.destroy();
  }
}
