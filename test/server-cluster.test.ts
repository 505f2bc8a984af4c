// License Central past one machine (issue 31, its first part): two servers on one PostgreSQL database, as
// behind a load balancer, presenting one certificate. Nothing a client relies on lives in one server's memory:
// a session made on one works on the other and ends on both; a change retried on the other server with the same
// idempotency key is done once; reservations through both at once never take more than the pool holds; a
// registration token's uses are counted once across both; a webhook delivery is sent once when both send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from 'node:https';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { Ledger } from '../electron/authority/ledger.ts';
import { PgDb, poolConfig, STATEMENT_TIMEOUT_MS } from '../electron/authority/db/postgres/pg-db.ts';
import { registerDevice } from '../electron/device/registration-client.ts';
import type { PostDelivery } from '../electron/authority/webhooks/webhook-post.ts';
import { keyId } from '../electron/platform/crypto.ts';
import { fromBase64 } from '../shared/bytes.ts';
import { parseKeyFile } from '../shared/codes/key-file.ts';
import { makeDevice, refusal } from './helpers/world.ts';
import { refused } from './helpers/refused.ts';
import { cutConnections, SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 11, 1, 9);
let postgres: Postgres | null = null;
let a: TestServer;
let b: TestServer;

/** GET /health, as a load balancer's probe sends it. */
function health(s: TestServer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(new URL('/health', s.url), { ca: s.certificate, checkServerIdentity: () => undefined }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as unknown }));
    }).on('error', reject);
  });
}

const on = (s: TestServer, session: RemoteSession): RemoteSession => ({ ...session, server: s.url });

describe.skipIf(SKIP_POSTGRES)('two License Central servers on one PostgreSQL database', () => {
  beforeAll(async () => {
    postgres = await startPostgres();
    a = await startServer('postgres', T, postgres);
    b = await startServer('postgres', T, postgres, { beside: a });
  }, scaled(120_000));
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await postgres?.stop();
  });

  it('share sessions and idempotency records: a client may reach either on any request', async () => {
    const session = await a.login('admin');
    expect(await b.call(on(b, session), 'whoami', {})).toMatchObject({ name: 'admin' });
    const key = (await a.call(session, 'key-export', {})) as { id: string; pem: string };
    const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
    d.run({ type: 'enable' }, T);
    const request = d.run({ type: 'request' }, T).issued!.code;
    const body = { account: 'Default', request, licenses: { UCM_Basic: 2 } };
    const first = (await a.call(session, 'reserve', body, 'cluster-key-1')) as { code: string };
    // The answer was lost on the way back; the client retries through the other server: the same answer, done once.
    const retried = (await b.call(on(b, session), 'reserve', body, 'cluster-key-1')) as { code: string };
    expect(retried.code).toBe(first.code);
    const licenses = (await b.ledger.licenses(T)).find((l) => l.account === 'Default' && l.short === 'UCM_Basic')!;
    expect(licenses.reserved).toBe(2);
    // Logged out on one: the session is over on both.
    await b.call(on(b, session), 'logout', {});
    expect((await refused(a.call(session, 'whoami', {}))).code).toBe('unauthorized');
  });

  it('never reserve more than the pool through both at once, and count a token’s uses once across both', async () => {
    const [sa, sb] = [await a.login('lab-admin'), await b.login('lab-admin')];
    const key = (await a.call(sa, 'key-export', {})) as { id: string; pem: string };
    const asks = Array.from({ length: 8 }, (_, i) => {
      const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
      d.run({ type: 'enable' }, T);
      const request = d.run({ type: 'request' }, T).issued!.code;
      const [s, session] = i % 2 ? [b, sb] : [a, sa];
      return s.call(session, 'reserve', { account: 'Lab', request, licenses: { UCM_Basic: 2 } }).then(
        () => 'reserved',
        (e: { code?: string }) => e.code ?? 'error',
      );
    });
    const outcomes = await Promise.all(asks);
    // Lab has 10: five devices get 2 each, the others are refused for the shortfall; none is counted twice.
    expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(5);
    expect(outcomes.filter((o) => o !== 'reserved')).toEqual(Array(3).fill('shortfall'));
    const lab = (await a.ledger.licenses(T)).find((l) => l.account === 'Lab' && l.short === 'UCM_Basic')!;
    expect([lab.reserved, lab.available]).toEqual([10, 0]);

    // A token for one registration, tried through both servers at once: one device is registered.
    const admin = await a.login('admin');
    const token = ((await a.call(admin, 'token-create', { account: 'Default', server: a.url, maxUses: 1 })) as { token: string }).token;
    const trusted = new Map(parseKeyFile(((await a.call(admin, 'key-export', {})) as { file: string }).file).map((k) => [keyId(k.publicKey), k.publicKey]));
    const tries = [a, b].map((s) => {
      const d = makeDevice('UCM', T);
      return registerDevice({
        token,
        trustedKeys: trusted,
        udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}`,
        devicePublicKey: fromBase64(d.state.deviceKey.publicKey)!,
        devicePrivateKeyPem: d.privateKey,
        route: { gateway: s.url },
      }).then(
        () => 'registered',
        (e: { code?: string }) => e.code ?? 'error',
      );
    });
    expect((await Promise.all(tries)).sort()).toEqual(['registered', 'token-used-up']);
    expect(await b.ledger.registeredInstances(T, 'Default')).toHaveLength(1);
  });

  it("answer /health by asking the database: 503 when the ledger's database does not answer", async () => {
    expect(await health(a)).toEqual({ status: 200, body: { ok: true } });
    const c = await startServer('postgres', T, postgres, { beside: a });
    await c.ledger.close();
    const down = await health(c);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, error: { code: 'server-error', message: expect.stringMatching(/database does not answer/) } });
    // Its ledger is closed already; what stop() must not find is an answer the OpenAPI document does not describe.
    await c.stop().catch((e: Error) => expect(e.message).not.toMatch(/OpenAPI/));
    // The others work on.
    expect(await health(b)).toEqual({ status: 200, body: { ok: true } });
  });

  it('size their pool and bound their statements from the database URL (?pool=N&statement_timeout=MS)', async () => {
    expect(poolConfig('postgres://slr@db.example/lc?pool=3&statement_timeout=2000&sslmode=require', 10)).toEqual({
      connectionString: 'postgres://slr@db.example/lc?sslmode=require',
      max: 3,
      statement_timeout: 2000,
    });
    expect(poolConfig('postgres://slr@db.example/lc', 10)).toMatchObject({ max: 10, statement_timeout: STATEMENT_TIMEOUT_MS });
    for (const bad of ['?pool=0', '?pool=101', '?pool=x', '?statement_timeout=5', '?statement_timeout=1e9'])
      expect(refusal(() => poolConfig(`postgres://slr@db.example/lc${bad}`, 10)).code, bad).toBe('bad-request');
    const url = new URL(b.database!);
    url.searchParams.set('pool', '2');
    url.searchParams.set('statement_timeout', '300');
    const db = await PgDb.connect(url.toString());
    try {
      expect(await db.get<{ statement_timeout: string }>('SHOW statement_timeout')).toEqual({ statement_timeout: '300ms' });
      await expect(db.get('SELECT pg_sleep(1)')).rejects.toThrow(/statement timeout/);
    } finally {
      await db.close();
    }
  });

  it("outlive their database's connections being cut: the transaction in flight fails, the next one is served", async () => {
    // Found by the load and fault test (test/load/): a connection cut while checked out ended the process.
    const db = a.ledger.store.db as PgDb;
    let heard!: () => void;
    const inside = new Promise<void>((r) => (heard = r));
    let go!: () => void;
    const held = new Promise<void>((r) => (go = r));
    // A transaction between two statements (its connection checked out, no query running) when the cut comes.
    const inFlight = db.transaction(async () => {
      await db.get('SELECT 1');
      heard();
      await held;
      return db.get('SELECT 1');
    });
    await inside;
    expect(await cutConnections(a.database!)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    go();
    await expect(inFlight).rejects.toThrow();
    // The process lives on, its pool heals: both servers answer, with the ledger behind them.
    const session = await a.login('admin');
    expect(await a.call(session, 'licenses', {})).toBeTruthy();
    expect(await health(a)).toEqual({ status: 200, body: { ok: true } });
    expect(await health(b)).toEqual({ status: 200, body: { ok: true } });
  });

  it('start together on an empty database: its schema is made once, under the write lock', async () => {
    const url = await postgres!.database();
    const [x, y, z] = (await Promise.all([0, 1, 2].map(async () => Ledger.open(await PgDb.connect(url, 2), 'start')))) as [Ledger, Ledger, Ledger];
    try {
      await x.init('Fresh', T);
      expect(await y.accounts()).toEqual(['Default']);
      expect(await z.smartAccount()).toBe('Fresh');
    } finally {
      for (const l of [x, y, z]) await l.close();
    }
  });

  it('send a webhook delivery once when both servers send at once', async () => {
    await a.ledger.addWebhook({ account: 'Lab', url: 'https://hooks.example/slr', events: ['expiry-notice'] }, T);
    await a.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 1, term: { start: T - 86_400_000, end: T + 20 * 86_400_000 } }, T + 1);
    await b.ledger.recordNotices(T + 2);
    let release = () => {};
    const gate = new Promise<void>((done) => (release = done));
    const sent: string[] = [];
    const post: PostDelivery = async (d) => {
      sent.push(d.deliveryId);
      await gate;
      return { status: 204, error: null };
    };
    const rounds = Promise.all([a.ledger.deliverWebhooks(T + 3, post), b.ledger.deliverWebhooks(T + 3, post)]);
    await new Promise((done) => setTimeout(done, 100));
    release();
    const [x, y] = await rounds;
    expect(x.delivered + y.delivered).toBe(1);
    expect(sent).toHaveLength(1);
  });
});
