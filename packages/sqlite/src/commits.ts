/**
 * Counts commits by every store in this process (and by other copies of this package: the
 * counter lives on globalThis). A read snapshot taken before a commit is dropped at the next read,
 * so a cache always sees what another cache on the same file acknowledged before the read began.
 */
const COMMITS_KEY = Symbol.for('@layercache/sqlite.commits');
const shared = globalThis as { [COMMITS_KEY]?: { value: number } };
shared[COMMITS_KEY] ??= { value: 0 };

/** The process-wide commit counter: read it, and increment it after every commit. */
export const commits: { value: number } = shared[COMMITS_KEY];
