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
  readonly url: string;
  stop(): Promise<void>;
}

let counter = 0;

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'slr-pg-'));
  const data = join(dir, 'data');
  const asOwner = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' }) : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
    return r.stdout;
  };
  if (root) {
    const pw = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(pw), Number(gid));
  }
  chmodSync(dir, 0o700);
  asOwner('initdb', ['-D', data, '-U', 'slr', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '-N']);
  const port = await freePort();
  asOwner('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    'start',
  ]);
  const url = `postgres://slr@127.0.0.1:${port}/postgres`;
  return {
    url,
    async database(name = `slr_${process.pid}_${++counter}`) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://slr@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Ends every connection SLR Desk holds to the database at `url` (pg_terminate_backend, as a PostgreSQL restart
 * or a failover would): how many were ended.
 */
export async function cutConnections(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'slr-desk' AND pid <> pg_backend_pid()");
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}
