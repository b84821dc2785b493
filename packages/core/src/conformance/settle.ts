/** How a call ended, and after how long. `hung`: still pending when the bound passed. */
export type Outcome =
  | { readonly kind: 'resolved'; readonly value: unknown; readonly ms: number }
  | { readonly kind: 'rejected'; readonly error: unknown; readonly ms: number }
  | { readonly kind: 'hung'; readonly ms: number };

/**
 * Runs `call` and waits for it at most `boundMs`: a call that hangs is reported, not waited for
 * until the test's own timeout (its late answer is ignored).
 */
export async function settleWithin(
  call: () => Promise<unknown>,
  boundMs: number,
): Promise<Outcome> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = (async () => call())().then(
    (value): Outcome => ({ kind: 'resolved', value, ms: performance.now() - started }),
    (error: unknown): Outcome => ({ kind: 'rejected', error, ms: performance.now() - started }),
  );
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung', ms: performance.now() - started }), boundMs);
  });
  try {
    return await Promise.race([pending, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** An outcome in words, for failure messages: what came back. */
export function describeOutcome(outcome: Outcome): string {
  const ms = `${Math.round(outcome.ms)} ms`;
  switch (outcome.kind) {
    case 'resolved':
      return `resolved ${formatValue(outcome.value)} after ${ms}`;
    case 'hung':
      return `was still pending after ${ms}`;
    default: {
      const error = outcome.error as { name?: unknown; code?: unknown; message?: unknown } | null;
      const name = typeof error?.name === 'string' ? error.name : typeof outcome.error;
      const code = typeof error?.code === 'string' ? ` (${error.code})` : '';
      const message = typeof error?.message === 'string' ? `: ${error.message.slice(0, 200)}` : '';
      return `rejected with ${name}${code}${message} after ${ms}`;
    }
  }
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
