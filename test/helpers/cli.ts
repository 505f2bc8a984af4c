/**
 * Runs the real `slr` CLI with its own --home and an injected clock. By default in-process: a worker thread
 * runs the CLI's main() (the same code the `slr` binary runs) and this helper waits for it, so a test stays
 * synchronous and starts no process per command. `slrProcess` runs the binary as a subprocess, for what
 * needs a real process (signals, exit codes of the binary, parallel runs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { scaled } from './time-scale.ts';

export const SLR = fileURLToPath(new URL('../../electron/cli/slr.mjs', import.meta.url));

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = Record<string, unknown>>(): T;
}

const DEFAULT_NOW = '2026-01-15T12:00:00Z';

function result(status: number, stdout: string, stderr: string): CliResult {
  return { status, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

const environment = (now: number | string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  SLR_NOW: String(now),
  ...env,
});

let worker: Worker | null = null;

export function slr(home: string, args: readonly string[], now: number | string = DEFAULT_NOW, env: NodeJS.ProcessEnv = {}): CliResult {
  if (!worker) {
    worker = new Worker(new URL('./cli-worker.ts', import.meta.url));
    worker.unref();
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ flag, port: port2, argv: ['--home', home, ...args], env: environment(now, env) }, [port2]);
  if (Atomics.wait(flag, 0, 0, 60_000) === 'timed-out') throw new Error(`slr ${args.join(' ')}: no answer within 60 s`);
  const reply = receiveMessageOnPort(port1)?.message as { status: number; stdout: string; stderr: string };
  port1.close();
  return result(reply.status, reply.stdout, reply.stderr);
}

export function slrProcess(home: string, args: readonly string[], now: number | string = DEFAULT_NOW, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [SLR, '--home', home, ...args], { encoding: 'utf8', env: environment(now, env), timeout: scaled(60_000) });
  return result(r.status ?? -1, r.stdout, r.stderr);
}

/**
 * The binary as a subprocess, awaited without blocking this thread: for a server running in this process
 * (the synchronous helpers would block it while the CLI waits for its answer).
 */
export function slrAsync(home: string, args: readonly string[], now: number | string = DEFAULT_NOW, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SLR, '--home', home, ...args], { env: environment(now, { SLR_FROM_SOURCE: '1', ...env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve(result(status ?? -1, stdout, stderr)));
  });
}
