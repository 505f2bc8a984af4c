// Runs `slr` commands in-process for the tests (see cli.ts): one worker thread keeps the CLI's modules
// loaded, runs main() for each request, and wakes the waiting test through a shared flag.
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { main } from '../../electron/cli/main.ts';

interface Request {
  readonly flag: Int32Array;
  readonly port: MessagePort;
  readonly argv: string[];
  readonly env: NodeJS.ProcessEnv;
}

parentPort!.on('message', (request: Request) => {
  void run(request);
});

async function run({ flag, port, argv, env }: Request): Promise<void> {
  let stdout = '';
  let stderr = '';
  const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  let status: number;
  try {
    status = await main(argv, { out: (t) => (stdout += line(t)), err: (t) => (stderr += line(t)) }, env);
  } catch (e) {
    status = 70;
    stderr += String((e as Error).stack ?? e);
  }
  port.postMessage({ status, stdout, stderr });
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
