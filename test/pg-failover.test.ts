// License Central on a PostgreSQL primary with a synchronous streaming-replication standby, as docs/server.md sets
// it up, through a failover: the primary fails (stopped at once, as a crash), the standby is promoted, and the
// servers are pointed at it (--database). Every change a client was answered is on the new primary; a change whose
// answer was lost, sent again with its idempotency key, is answered as the first time and done once; sessions
// made before the failure still work; the audit, the event log's chain and the seal hold.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { checkInvariants } from './helpers/ledger-audit.ts';
import { makeDevice } from './helpers/world.ts';
import { refused } from './helpers/refused.ts';
import { SKIP_POSTGRES, sqlOnce, startPostgres, startStandby, type Postgres, type Standby } from './helpers/postgres.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 11, 1, 9);

const query = async <R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> => (await sqlOnce<R>(url, text)).rows;

/** Polls `check` (every 50 ms, at most 20 s). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never came true: ${what}`);
}

const on = (s: TestServer, session: RemoteSession): RemoteSession => ({ ...session, server: s.url });

describe.skipIf(SKIP_POSTGRES)('License Central through a PostgreSQL failover', () => {
  it(
    'keeps every answered change on the promoted standby, where a server pointed at it answers a retry as the first time',
    async () => {
      // The tests' clusters do not wait for the disk; the primary waits for its standby (synchronous_commit on).
      let primary: Postgres | null = await startPostgres({ settings: { synchronous_commit: 'on' } });
      let standby: Standby | null = null;
      let a: TestServer | null = null;
      let b: TestServer | null = null;
      try {
        const database = await primary.database('license_central');
        standby = await startStandby(primary);
        // Synchronous from now on: a commit is answered once the standby has it (docs/server.md).
        await query(primary.url, "ALTER SYSTEM SET synchronous_standby_names = '*'");
        await query(primary.url, 'SELECT pg_reload_conf()');
        await until(
          'the standby is synchronous',
          async () => (await query<{ s: string }>(primary!.url, 'SELECT sync_state AS s FROM pg_stat_replication'))[0]?.s === 'sync',
        );

        a = await startServer('postgres', T, null, { database });
        const session = await a.login('admin');
        const key = (await a.call(session, 'key-export', {})) as { id: string; pem: string };
        // Default's pool (10) is full after five; the change after the failover is on Lab.
        const ask = () => {
          const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
          d.run({ type: 'enable' }, T);
          return { account: 'Default', request: d.run({ type: 'request' }, T).issued!.code, licenses: { UCM_Basic: 2 } };
        };
        const answered: string[] = [];
        for (let i = 0; i < 4; i++) answered.push(((await a.call(session, 'reserve', ask(), `before-${i}`)) as { code: string }).code);
        // The last change's answer is lost on the way back (the client saw nothing); then the primary fails.
        const lost = ask();
        const first = (await a.call(session, 'reserve', lost, 'lost-answer')) as { code: string };
        await primary.stop();
        primary = null;
        expect((await refused(a.call(session, 'licenses', {}))).code).toBe('server-error');

        // The standby is promoted, and a server is pointed at it (presenting the same certificate).
        await standby.promote();
        b = await startServer('postgres', T, null, { beside: a, database: standby.urlOf('license_central') });
        // The session made before the failure works; the retry with the same key gets the first answer, done once.
        const retried = (await b.call(on(b, session), 'reserve', lost, 'lost-answer')) as { code: string };
        expect(retried.code).toBe(first.code);
        const pool = (await b.ledger.licenses(T)).find((l) => l.account === 'Default' && l.short === 'UCM_Basic')!;
        expect(pool.reserved).toBe(2 * (answered.length + 1));
        const codes = new Set((await b.ledger.events()).flatMap((e) => (e.type === 'reserve' && e.code ? [e.code] : [])));
        for (const code of [...answered, first.code]) expect(codes.has(code)).toBe(true);
        // It takes changes as the primary now; the audit, the chain and the seal hold.
        await b.call(on(b, session), 'reserve', { ...ask(), account: 'Lab' }, 'after-failover');
        expect(await checkInvariants(b.ledger)).toEqual([]);
        const verified = await b.ledger.verifyEvents();
        expect([verified.broken, verified.sealProblem]).toEqual([null, null]);
      } finally {
        await b?.stop();
        await a?.stop().catch(() => undefined); // its database is gone: closing its pool may fail
        await standby?.stop();
        await primary?.stop();
      }
    },
    scaled(120_000),
  );
});
