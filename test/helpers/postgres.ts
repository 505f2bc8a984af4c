/**
 * A real PostgreSQL server for the tests, from Debian's `postgresql` package: a cluster made with initdb in a
 * temporary directory, listening on a free loopback port only, stopped (and its directory removed) after.
 * PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the `postgres` user the
 * package creates. Without PostgreSQL the tests that need it fail, unless SLR_SKIP_POSTGRES=1 skips them on
 * purpose.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const SKIP_POSTGRES = process.env.SLR_SKIP_POSTGRES === '1';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error(
    'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `apt-get install postgresql`, or set SLR_SKIP_POSTGRES=1 to skip the PostgreSQL tests on purpose.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Postgres {
  /** A new, empty database on the server: its URL. */
  database(name?: string): Promise<string>;
  /** The URL of database `name` on this server (made elsewhere, or replicated to it). */
  urlOf(name: string): string;
  readonly url: string;
  /** Stops it at once (as a crash would: no shutdown checkpoint), and removes its directory. */
  stop(): Promise<void>;
}

export interface Standby extends Postgres {
  /** Makes the standby a primary (pg_ctl promote), waiting until it takes writes. */
  promote(): Promise<void>;
}

let counter = 0;

/** What the tests run PostgreSQL with: nothing forced to disk (fast; a crash of the test machine loses nothing of value). */
const TEST_SETTINGS: Readonly<Record<string, string>> = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' };

/** The binaries, run as the cluster's owner (the `postgres` user when the tests run as root). */
function owner() {
  const bin = binDir();
  const root = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' }) : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
    return r.stdout;
  };
  /** A directory of the cluster's own (mode 0700, owned by it). */
  const directory = () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-pg-'));
    if (root)
      chownSync(
        dir,
        Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
        Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
      );
    chmodSync(dir, 0o700);
    return dir;
  };
  return { run, directory };
}

/** Starts the cluster in `dir`/data on a free loopback port; the handle every test uses. */
async function launch(dir: string, settings: Readonly<Record<string, string>>): Promise<Standby> {
  const { run } = owner();
  const data = join(dir, 'data');
  const port = await freePort();
  const options = Object.entries({ ...TEST_SETTINGS, ...settings }).map(([k, v]) => `-c ${k}=${v}`);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, ...options].join(' '), 'start']);
  const urlOf = (name: string) => `postgres://slr@127.0.0.1:${port}/${name}`;
  const url = urlOf('postgres');
  return {
    url,
    urlOf,
    async database(name = `slr_${process.pid}_${++counter}`) {
      await sqlOnce(url, `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    async promote() {
      run('pg_ctl', ['-D', data, '-w', 'promote']);
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A new cluster (initdb); `settings` beyond (or instead of) the tests' defaults, as `-c name=value`. */
export async function startPostgres(o: { settings?: Readonly<Record<string, string>> } = {}): Promise<Postgres> {
  const { run, directory } = owner();
  const dir = directory();
  run('initdb', ['-D', join(dir, 'data'), '-U', 'slr', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '-N']);
  return launch(dir, o.settings ?? {});
}

/**
 * A streaming-replication standby of `primary` (docs/server.md): a base backup taken with pg_basebackup -R (which
 * writes the standby's primary_conninfo and standby.signal), started on a port of its own.
 */
export async function startStandby(primary: Postgres, o: { settings?: Readonly<Record<string, string>> } = {}): Promise<Standby> {
  const { run, directory } = owner();
  const dir = directory();
  const { port } = new URL(primary.url);
  run('pg_basebackup', ['-D', join(dir, 'data'), '-R', '-X', 'stream', '--checkpoint=fast', '-h', '127.0.0.1', '-p', port, '-U', 'slr']);
  return launch(dir, o.settings ?? {});
}

/**
 * Ends every connection SLR Desk holds to the database at `url` (pg_terminate_backend, as a PostgreSQL restart
 * or a failover would): how many were ended.
 */
export async function cutConnections(url: string): Promise<number> {
  return (
    (await sqlOnce(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'slr-desk' AND pid <> pg_backend_pid()")).rowCount ?? 0
  );
}

/** One statement on a connection of its own to `url` (as an operator's psql would run it). */
export async function sqlOnce<R extends pg.QueryResultRow>(url: string, text: string): Promise<pg.QueryResult<R>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query<R>(text);
  } finally {
    await c.end();
  }
}
