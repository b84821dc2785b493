/**
 * Runs `cleanup` if the user presses Ctrl-C (or the process gets SIGTERM) while `work` runs, so
 * an interrupted run still stops its redis-server and removes its temp files; then exits 130.
 */
export async function withInterruptCleanup<T>(
  work: () => Promise<T>,
  cleanup: () => Promise<void>,
): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ninterrupted (${signal}), cleaning up…\n`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}
