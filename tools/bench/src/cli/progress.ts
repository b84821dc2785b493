import cliProgress from 'cli-progress';

/** A progress bar that is a no-op where it would only be noise (not a TTY, e.g. CI logs). */
export interface Progress {
  /** Starts a bar for a phase of `total` steps. */
  start(label: string, total: number): void;
  /** Advances the current bar. */
  increment(by?: number): void;
  /** Completes and removes the current bar. */
  stop(): void;
}

/**
 * Progress on stderr (stdout stays clean for `--json` and the tables), drawn only when stderr is
 * a terminal: a bar redrawn in a CI log is just pages of carriage returns.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { start() {}, increment() {}, stop() {} };
  }
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(34)} {bar} {percentage}% | {value}/{total} | {duration_formatted}`,
          clearOnComplete: true,
          hideCursor: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    increment(by = 1) {
      bar?.increment(by);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
