import type { Subject } from '../adapters/types.js';
import { errorMessage } from '../cli/args.js';
import type { Progress } from '../cli/progress.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { LatencyRecorder } from '../measure/latency.js';
import type { Dataset } from './dataset.js';
import { type OperationName, operationOf } from './operations.js';
import type { CellResult } from './results.js';

/** Options of {@link measureCells}. */
export interface MeasureOptions {
  readonly subjects: ReadonlyMap<string, Subject>;
  readonly data: Dataset;
  readonly operations: readonly OperationName[];
  readonly concurrencies: readonly number[];
  readonly durationMs: number;
  readonly rounds: number;
  readonly progress: Progress;
}

/**
 * Measures every (operation, concurrency) cell for every subject, **interleaved**: within a cell,
 * each round runs every subject once, in an order rotated per round, and the rounds are merged.
 * Machine noise (another process, a GC, CPU frequency) then lands on all subjects alike instead
 * of on whichever happened to run during it — what makes the ratios trustworthy on a shared box.
 */
export async function measureCells(options: MeasureOptions): Promise<CellResult[]> {
  const { subjects, data, operations, concurrencies, durationMs, rounds, progress } = options;
  const labels = [...subjects.keys()];
  const cells: CellResult[] = [];
  // One unrecorded pass of the mix per subject first, so the JIT has compiled every path before
  // the first recorded cell (otherwise whoever runs first pays for the warm-up).
  progress.start('warming up', labels.length);
  for (const label of labels) {
    await runClosedLoop(operationOf('read-heavy-mix', subjects.get(label)!, data), {
      concurrency: 64,
      durationMs,
    }).catch(() => undefined);
    progress.increment();
  }
  progress.stop();
  progress.start('measuring', operations.length * concurrencies.length * rounds * labels.length);

  for (const operation of operations) {
    for (const concurrency of concurrencies) {
      const totals = new Map(
        labels.map((l) => [
          l,
          {
            operations: 0,
            elapsedMs: 0,
            latency: new LatencyRecorder(),
            error: undefined as string | undefined,
          },
        ]),
      );
      for (let round = 0; round < rounds; round++) {
        const order = labels.map((_, i) => labels[(i + round) % labels.length]!);
        for (const label of order) {
          const total = totals.get(label)!;
          if (total.error === undefined) {
            try {
              const run = await runClosedLoop(operationOf(operation, subjects.get(label)!, data), {
                concurrency,
                durationMs,
                latency: total.latency,
              });
              total.operations += run.operations;
              total.elapsedMs += run.elapsedMs;
            } catch (error) {
              total.error = errorMessage(error);
            }
          }
          progress.increment();
        }
      }
      for (const [label, total] of totals) {
        const latencyUs = total.latency.summary();
        total.latency.destroy();
        cells.push({
          subject: label,
          operation,
          concurrency,
          operations: total.operations,
          elapsedMs: Math.round(total.elapsedMs),
          throughput:
            total.error === undefined && total.elapsedMs > 0
              ? Math.round((total.operations * 1000) / total.elapsedMs)
              : 0,
          latencyUs,
          ...(total.error === undefined ? {} : { error: total.error }),
        });
      }
    }
  }
  progress.stop();
  return cells;
}
