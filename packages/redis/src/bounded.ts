/**
 * `pending`, or a rejection with `Error(message)` once `ms` have passed; the timer is cleared
 * either way. For the cache's own background steps (a confirmation link, a tracking link) that no
 * caller's deadline covers, or that must not outlive their share of one.
 */
export function bounded<T>(pending: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}
