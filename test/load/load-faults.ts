/**
 * The load and fault test (issue 31): 100 clients at once — administrators reserving and returning, devices
 * registering online and reporting usage — against two `slr authority serve` processes on one PostgreSQL
 * database, for a fixed time. A third of the way in one server is killed with SIGKILL and started again; two
 * thirds in, every connection the servers hold to PostgreSQL is cut. Afterwards every invariant is checked
 * (invariants.ts), and it prints throughput, p50/p99 latency and the errors by kind.
 *
 * Run by `npm run bench` (not by `npm test`), or alone: `node test/load/load-faults.ts [--seconds N] [--clients N]`.
 * Exit status 1 when an invariant does not hold.
 */
import { fileURLToPath } from 'node:url';
import { login, type RemoteSession } from '../../electron/authority/remote/remote.ts';
import { callApi } from '../../electron/net/server-client.ts';
import { keyId } from '../../electron/platform/crypto.ts';
import { parseKeyFile } from '../../shared/codes/key-file.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { adminClient, deviceClient, newJournal, PASSING, type Field, type Journal } from './clients.ts';
import { PASSWORD, startCluster, type Cluster } from './cluster.ts';
import { checkAfterLoad } from './invariants.ts';

const NOW = '2026-06-01T08:00:00Z';
const ACCOUNTS = ['Default', 'East', 'West', 'Lab'];
const ADMINS = 4;

export interface LoadReport {
  readonly seconds: number;
  readonly clients: number;
  readonly acknowledged: Record<string, number>;
  readonly perSecond: number;
  readonly latencyMs: Record<string, { p50: number; p99: number }>;
  readonly errors: Record<string, { count: number; from: number; to: number }>;
  readonly faults: string[];
  readonly problems: string[];
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Sessions, the signing key and a token per virtual account, made through the servers as an administrator would. */
async function prepare(c: Cluster, seconds: number): Promise<{ field: Field; sessions: RemoteSession[]; journal: Journal }> {
  const sessions = await Promise.all(
    Array.from({ length: ADMINS }, (_, i) =>
      login({ server: c.urls[i % c.urls.length]!, user: `admin-${i + 1}`, password: PASSWORD, fingerprint: c.fingerprint }),
    ),
  );
  const key = (await callApi(sessions[0]!, 'key-export', {})) as { id: string; pem: string; file: string };
  const trusted = new Map(parseKeyFile(key.file).map((k) => [keyId(k.publicKey), k.publicKey]));
  const tokens = new Map<string, string>();
  for (const account of ACCOUNTS) {
    const made = (await callApi(sessions[0]!, 'token-create', { account, server: c.urls[0]!, maxUses: 1_000_000 })) as { token: string };
    tokens.set(account, made.token);
  }
  // Its clock starts with the clients, as the faults' does: the times in the report are on one scale.
  const journal = newJournal();
  const field: Field = { urls: c.urls, accounts: ACCOUNTS, deadline: Date.now() + seconds * 1000, at: Date.parse(NOW) + 1000, key, trusted, tokens, journal };
  return { field, sessions, journal };
}

/** The faults, at a third and at two thirds of the run (from `start`): what was done, and when it was. */
async function faults(c: Cluster, seconds: number, start: number): Promise<string[]> {
  const done: string[] = [];
  const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, start + at - Date.now())));
  const when = () => `${((Date.now() - start) / 1000).toFixed(1)} s`;
  await until((seconds * 1000) / 3);
  c.kill(0);
  done.push(`server 1 killed (SIGKILL) at ${when()}`);
  await until((seconds * 1000) / 3 + 2000);
  const restarting = Date.now();
  const startedAt = when();
  await c.restart(0);
  done.push(`server 1 started again at ${startedAt}, listening at ${when()} (${((Date.now() - restarting) / 1000).toFixed(1)} s later)`);
  await until((2 * seconds * 1000) / 3);
  const at = when();
  done.push(`PostgreSQL connections cut at ${at}: ${await c.cutDatabase()} ended`);
  return done;
}

export async function loadFaults(seconds: number, clients: number): Promise<LoadReport> {
  const pg = await startPostgres();
  let cluster: Cluster | null = null;
  try {
    const database = await pg.database();
    cluster = await startCluster(database, { accounts: ACCOUNTS, poolPerAccount: 400, admins: ADMINS, servers: 2, now: NOW });
    const { field, sessions, journal } = await prepare(cluster, seconds);
    const started = Date.now();
    const admins = Math.round(clients * 0.6);
    const [done] = await Promise.all([
      // Timed from the journal's start, as the errors it prints are.
      faults(cluster, seconds, Date.now() - (performance.now() - journal.start)),
      ...Array.from({ length: clients }, (_, i) => (i < admins ? adminClient(field, sessions[i % ADMINS]!, i) : deviceClient(field, i))),
    ]);
    const elapsed = (Date.now() - started) / 1000;
    const crashes = [...cluster.crashes];
    await cluster.stop();
    cluster = null;
    const problems = [...crashes, ...(await checkAfterLoad(database, journal, Date.parse(NOW) + 2000))];
    const acknowledged = Object.fromEntries([...journal.latencies].map(([k, v]) => [k, v.length]));
    const latencyMs = Object.fromEntries(
      [...journal.latencies].map(([k, v]) => {
        const sorted = [...v].sort((a, b) => a - b);
        return [k, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
      }),
    );
    const total = Object.values(acknowledged).reduce((a, b) => a + b, 0);
    return {
      seconds: elapsed,
      clients,
      acknowledged,
      perSecond: total / elapsed,
      latencyMs,
      errors: Object.fromEntries(
        [...journal.errors].map(([k, n]) => [k, { count: n, from: journal.errorTimes.get(k)![0], to: journal.errorTimes.get(k)![1] }]),
      ),
      faults: done,
      problems,
    };
  } finally {
    await cluster?.stop();
    await pg.stop();
  }
}

/** The report as `npm run bench` prints it. */
export function printLoad(r: LoadReport, line: (label: string, value: string) => void): void {
  line(`  ${r.clients} clients, ${r.seconds.toFixed(0)} s`, `${r.perSecond.toFixed(1)} acknowledged operations/s in all`);
  for (const [kind, n] of Object.entries(r.acknowledged)) {
    const l = r.latencyMs[kind]!;
    line(`    ${kind}`, `${n} acknowledged (${(n / r.seconds).toFixed(1)}/s), p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms`);
  }
  for (const f of r.faults) line('    fault', f);
  const errors = Object.entries(r.errors).sort((a, b) => b[1].count - a[1].count);
  if (!errors.length) line('    errors', 'none');
  // A refusal (a pool run out: shortfall) is the ledger keeping its promise; an error is a server or its database away.
  for (const [kind, e] of errors)
    line(`    ${PASSING.test(kind.split(': ')[1] ?? '') ? 'error' : 'refused'}: ${kind}`, `${e.count}, from ${e.from.toFixed(1)} s to ${e.to.toFixed(1)} s`);
  if (!r.problems.length) line('    invariants', 'all hold (audit, event log, acknowledged writes, no phantoms, compliance)');
  for (const p of r.problems) line('    INVARIANT BROKEN', p);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const report = await loadFaults(arg('seconds', 60), arg('clients', 100));
  printLoad(report, (label, value) => console.log(`${label.padEnd(58)} ${value}`));
  if (report.problems.length) process.exitCode = 1;
}
