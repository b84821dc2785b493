import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendRedisCommand } from './resp.js';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Interface to bind. Default: `"127.0.0.1"`. */
  readonly host?: string;
  /** Port to listen on. Default: a free port chosen by the operating system. */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `["--maxmemory", "100mb"]`. Default: none. */
  readonly args?: readonly string[];
  /**
   * Contents of a configuration file, written to the server's directory and passed as its first
   * argument (Sentinel needs one it can rewrite). Default: none.
   */
  readonly config?: string;
  /** How long to wait for the server to answer. Default: 10 000 ms. */
  readonly startTimeoutMs?: number;
  /** The `redis-server` executable. Default: `"redis-server"` (looked up on `PATH`). */
  readonly executable?: string;
}

/** A `redis-server` process started by {@link startRedisServer}. */
export interface RedisServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port`, ready for `createRedisCache({ url })`. */
  readonly url: string;
  /** The PID of the running process, or `undefined` while it is stopped. */
  readonly pid: number | undefined;
  /**
   * Kills the process (SIGTERM, then SIGKILL after 5 s) but keeps its port and directory, so
   * {@link RedisServer.restart} can bring the same server back. Use it to simulate an outage.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same port after {@link RedisServer.kill}. */
  restart(): Promise<void>;
  /** Kills the process and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it, e.g. `apt-get install -y redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), or point REDIS_URL at an existing server.';

// Every process the helpers started, so that a test run that dies halfway does not leave
// servers behind. Only these PIDs are ever signalled.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
}

let checkedExecutable: string | undefined;

/** Throws an error saying how to install Redis when `executable` cannot be run. */
export function assertRedisInstalled(executable = 'redis-server'): void {
  if (checkedExecutable === executable) return;
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(INSTALL_HINT, { cause: result.error });
  }
  checkedExecutable = executable;
}

/** Asks the operating system for a port that is free right now. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * Starts a throwaway `redis-server` (no persistence: `--save "" --appendonly no`, data in a fresh
 * temporary directory) on a free port and resolves once it answers (as itself: its PID is checked). Stop it with
 * `stop()` or `await using`; it is also killed when the Node.js process exits.
 *
 * Needs only Node.js and a `redis-server` executable; throws an error saying how to install Redis
 * when there is none.
 *
 * @example
 * ```ts
 * import { startRedisServer } from '@layercache/redis/testing';
 *
 * await using server = await startRedisServer();
 * const cache = createRedisCache({ url: server.url });
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const executable = options.executable ?? 'redis-server';
  assertRedisInstalled(executable);
  installExitHook();
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'layercache-redis-'));
  const configArgs: string[] = [];
  if (options.config !== undefined) {
    const file = join(dir, 'redis.conf');
    writeFileSync(file, options.config);
    configArgs.push(file);
  }
  let child: ChildProcess | undefined;
  let port = options.port ?? 0;

  const launch = async (): Promise<void> => {
    // A free port can be taken by someone else between the probe and redis' bind: retry.
    for (let attempt = 1; ; attempt++) {
      const chosen = port !== 0 ? port : await findFreePort(host);
      try {
        child = await spawnServer(
          executable,
          host,
          chosen,
          dir,
          configArgs,
          options.args ?? [],
          startTimeoutMs,
        );
        port = chosen;
        return;
      } catch (error) {
        if (options.port !== undefined || port !== 0 || attempt >= 5) throw error;
      }
    }
  };

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const server: RedisServer = {
    host,
    get port() {
      return port;
    },
    get url() {
      return `redis://${host}:${port}`;
    },
    get pid() {
      // A process killed by a signal has `exitCode` null and `signalCode` set: it is gone too.
      return child !== undefined && child.exitCode === null && child.signalCode === null
        ? child.pid
        : undefined;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child !== undefined) await terminate(child, signal);
    },
    async restart() {
      if (stopped) throw new Error('the server was stopped; start a new one');
      if (child !== undefined) await terminate(child, 'SIGTERM');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child !== undefined) await terminate(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  return server;
}

async function spawnServer(
  executable: string,
  host: string,
  port: number,
  dir: string,
  configArgs: readonly string[],
  extraArgs: readonly string[],
  startTimeoutMs: number,
): Promise<ChildProcess> {
  const args = [
    ...configArgs,
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    ...extraArgs,
  ];
  const child = spawn(executable, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // Keep the end of the output: it says why a server did not start (port in use, bad argument).
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited during startup:\n${output}`);
    }
    const failed = await Promise.race([spawnError, Promise.resolve(undefined)]);
    if (failed !== undefined) throw new Error(INSTALL_HINT, { cause: failed });
    try {
      // Ask for the PID, not just PONG: a port someone else took between the probe and the bind
      // would otherwise hand us their server.
      const info = String(await sendRedisCommand(host, port, ['INFO', 'server'], 1000));
      if (info.includes(`process_id:${child.pid}\r\n`)) return child;
      if (/process_id:\d+/.test(info)) {
        await terminate(child, 'SIGKILL');
        throw new Error(`port ${port} is already taken by another Redis server`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes('already taken')) throw error;
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await terminate(child, 'SIGKILL');
      throw new Error(
        `redis-server on port ${port} did not answer within ${startTimeoutMs} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Signals one process by PID and waits (bounded) until it has exited. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid, signal);
  } catch {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), 5000);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late && child.exitCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  }
}
