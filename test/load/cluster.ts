/**
 * The load and fault test's License Central: `slr authority serve` processes (the real binary, each with its
 * own home, as on its own machine) on one PostgreSQL database, on fixed loopback ports so that a server killed
 * and started again is found where it was. Set up with the CLI as an operator does it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR } from '../helpers/cli.ts';
import { unusedPort } from '../helpers/ports.ts';
import { cutConnections } from '../helpers/postgres.ts';

export const PASSWORD = 'a load test password, long enough';

export interface ClusterSetup {
  /** The virtual accounts, and how many UCM_Basic each holds. */
  readonly accounts: readonly string[];
  readonly poolPerAccount: number;
  /** Administrators (smart-account-admin), each logged in once and shared by several clients. */
  readonly admins: number;
  readonly servers: number;
  /** The servers' clock (SLR_NOW). */
  readonly now: string;
}

export interface Cluster {
  readonly urls: readonly string[];
  readonly fingerprint: string;
  readonly database: string;
  /** SIGKILL: the server dies mid-request, as on a power cut. */
  kill(i: number): void;
  /** Starts server i again, on its port; resolves when it listens. */
  restart(i: number): Promise<void>;
  /** Ends every connection the servers hold to PostgreSQL (pg_terminate_backend); how many were cut. */
  cutDatabase(): Promise<number>;
  /** Servers that ended by themselves (not killed or stopped here), with what they printed last. */
  readonly crashes: string[];
  stop(): Promise<void>;
}

function run(home: string, now: string, args: string[]): string {
  const r = spawnSync(process.execPath, [SLR, '--home', home, 'authority', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: now },
  });
  if (r.status !== 0) throw new Error(`slr authority ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** One `serve` process; resolves with its fingerprint once it prints that it listens. */
function serve(home: string, port: number, database: string, now: string, crashes: string[]): Promise<{ child: ChildProcess; fingerprint: string }> {
  const child = spawn(process.execPath, [SLR, '--home', home, 'authority', 'serve', '--listen', `127.0.0.1:${port}`, '--database', database], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: now },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const fingerprint = /fingerprint: ([0-9A-F:]{95})/.exec(out)?.[1];
      if (fingerprint) resolve({ child, fingerprint });
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM') crashes.push(`server on port ${port} exited (${code ?? signal}): ${out.slice(-600)}`);
      reject(new Error(`serve exited (${code ?? signal}) before it listened: ${out}`));
    });
  });
}

/** The ledger made with the CLI on `database`: accounts, their pools, administrators (admin-1 …). */
function setUp(home: string, database: string, s: ClusterSetup): void {
  run(home, s.now, ['init', '--account', 'Load', '--database', database]);
  for (const account of s.accounts) {
    if (account !== 'Default') run(home, s.now, ['account', 'add', account]);
    run(home, s.now, ['license', 'add', '--account', account, '--tag', 'UCM_Basic', '--count', String(s.poolPerAccount)]);
  }
  const pw = join(home, 'pw.txt');
  writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  for (let i = 1; i <= s.admins; i++) run(home, s.now, ['user', 'add', `admin-${i}`, '--role', 'smart-account-admin', '--password-file', pw]);
}

export async function startCluster(database: string, s: ClusterSetup): Promise<Cluster> {
  const first = mkdtempSync(join(tmpdir(), 'slr-load-home-'));
  setUp(first, database, s);
  const ports = await Promise.all(Array.from({ length: s.servers }, () => unusedPort()));
  const homes = [first];
  const crashes: string[] = [];
  const children: (ChildProcess | null)[] = [];
  const started = await serve(first, ports[0]!, database, s.now, crashes);
  children.push(started.child);
  // The others are copies of the first home once it has made its certificate: every server presents the same one.
  for (let i = 1; i < s.servers; i++) {
    const home = mkdtempSync(join(tmpdir(), `slr-load-home-${i}-`));
    cpSync(first, home, { recursive: true });
    homes.push(home);
    children.push((await serve(home, ports[i]!, database, s.now, crashes)).child);
  }
  const stopOne = async (i: number) => {
    const c = children[i];
    children[i] = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  };
  return {
    urls: ports.map((p) => `https://127.0.0.1:${p}`),
    fingerprint: started.fingerprint,
    database,
    crashes,
    kill(i) {
      children[i]?.kill('SIGKILL');
      children[i] = null;
    },
    async restart(i) {
      children[i] = (await serve(homes[i]!, ports[i]!, database, s.now, crashes)).child;
    },
    cutDatabase: () => cutConnections(database),
    async stop() {
      await Promise.all(children.map((_, i) => stopOne(i)));
    },
  };
}
