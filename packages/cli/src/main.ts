#!/usr/bin/env node
import { run } from './cli.js';

const controller = new AbortController();
// The first Ctrl-C stops the command between steps (it closes the cache and exits 130); a
// second one kills the process as usual.
process.once('SIGINT', () => controller.abort(new Error('interrupted')));

process.exitCode = await run(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  controller.signal,
);
