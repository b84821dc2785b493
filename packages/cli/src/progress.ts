import type { Io } from './io.js';

/** A progress bar on stderr, drawn only on a terminal and at most ten times a second. */
export interface Progress {
  update(done: number, note?: string): void;
  /** Erases the bar so the result starts on a clean line. */
  finish(): void;
}

const NONE: Progress = { update() {}, finish() {} };

export function progressBar(io: Io, total: number, label: string): Progress {
  const stream = io.stderr;
  if (stream.isTTY !== true || total === 0) return NONE;
  let last = 0;
  let drawn = false;
  return {
    update(done, note = '') {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const ratio = Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const percent = `${Math.floor(ratio * 100)}`.padStart(3);
      stream.write(`\r\x1b[2K${label} [${bar}] ${percent}% ${done}/${total}${note}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
