/**
 * Loads a named export of a workspace package at run time. Adapters are written in parallel with
 * this tool, so a package may not be built yet or may not export its factory yet: that must be a
 * clear, per-adapter "skipped" line, not a crash of the whole run — hence a dynamic import and a
 * check instead of a static import.
 */
export async function loadExport<T>(specifier: string, name: string): Promise<T> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load ${specifier} (is it built? pnpm --filter ${specifier} build)`, {
      cause: error,
    });
  }
  const value = module[name];
  if (value === undefined) {
    throw new Error(`${specifier} does not export ${name} yet (rebuild it, or it has not landed)`);
  }
  return value as T;
}
