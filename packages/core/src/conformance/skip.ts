import { describe, it } from 'vitest';

/**
 * A group of checks that runs only when a capability is declared. When it is not, every check
 * is still registered and reported as skipped, under a title that says why and what to declare:
 * a capability an adapter does not declare never passes silently.
 */
export function describeCapability(
  title: string,
  skipReason: string | undefined,
  body: () => void,
): void {
  if (skipReason === undefined) describe(title, body);
  else describe.skip(`${title} — skipped: ${skipReason}`, body);
}

/** One check that needs more than its group's capability: `it`, or `it.skip` saying why. */
export function checkUnless(
  skipReason: string | undefined,
  title: string,
  options: { timeout: number },
  body: () => Promise<void>,
): void {
  if (skipReason === undefined) it(title, options, body);
  else it.skip(`${title} — skipped: ${skipReason}`, options, body);
}
