/**
 * License Central as a server for the tests, in this process: a ledger on SQLite (a temporary home) or on
 * PostgreSQL (a fresh database), the real Fastify app over HTTPS on a loopback port with a self-signed
 * certificate, an injected clock, and users of every role. Clients are the real client (remote.ts).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Ledger, openLedger } from '../../electron/authority/ledger.ts';
import { PgDb } from '../../electron/authority/db/postgres/pg-db.ts';
import { buildServer } from '../../electron/server/app.ts';
import { serverTls } from '../../electron/server/tls.ts';
import { login, type RemoteSession } from '../../electron/authority/remote/remote.ts';
import { callApi } from '../../electron/net/server-client.ts';
import type { ApiBody, ApiName } from '../../shared/authority/api.ts';
import type { Postgres } from './postgres.ts';
import { conformanceChecker } from './api-conformance.ts';

export const PASSWORD = 'correct horse battery staple';

export type Engine = 'sqlite' | 'postgres';

export interface TestServer {
  readonly url: string;
  readonly fingerprint: string;
  readonly certificate: string;
  readonly ledger: Ledger;
  readonly home: string;
  /** The PostgreSQL database its ledger is in; null: SQLite in its home. */
  readonly database: string | null;
  now: number;
  login(user: string, password?: string): Promise<RemoteSession>;
  call<N extends ApiName>(session: RemoteSession, name: N, body: ApiBody<N>, key?: string): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * A server whose ledger has a smart account "Acme" with virtual accounts Default and Lab, 10 UCM_Basic in each,
 * and users: admin (Smart Account Administrator), lab-admin and lab-user (of Lab), default-user (of Default).
 */
export async function startServer(
  engine: Engine,
  start: number,
  postgres: Postgres | null,
  options: {
    loginsPerMinute?: number;
    onLogged?: () => void;
    /** Another server on the same PostgreSQL ledger (already set up), presenting the same certificate, as behind a load balancer. */
    beside?: TestServer;
    /** The PostgreSQL database its ledger is in (set up here unless `beside` is given); by default a new one, or `beside`'s. */
    database?: string;
  } = {},
): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), `slr-server-${engine}-`));
  const database = engine === 'postgres' ? (options.database ?? options.beside?.database ?? (await postgres!.database())) : null;
  const ledger = database === null ? await openLedger({ dir: home, actor: 'setup' }, true) : await Ledger.open(await PgDb.connect(database, 10), 'setup');
  if (options.beside) {
    for (const f of ['server-cert.pem', 'server-key.pem']) copyFileSync(join(options.beside.home, f), join(home, f));
  } else {
    await ledger.init('Acme', start);
    await ledger.addAccount('Lab', start);
    for (const account of ['Default', 'Lab']) await ledger.addLicenses({ account, tag: 'UCM_Basic', count: 10 }, start);
    await ledger.addUser({ name: 'admin', role: 'smart-account-admin', password: PASSWORD }, start);
    await ledger.addUser({ name: 'lab-admin', role: 'va-admin', account: 'Lab', password: PASSWORD }, start);
    await ledger.addUser({ name: 'lab-user', role: 'va-user', account: 'Lab', password: PASSWORD }, start);
    await ledger.addUser({ name: 'default-user', role: 'va-user', account: 'Default', password: PASSWORD }, start);
  }
  const tls = serverTls(home, '127.0.0.1', start);
  const state = { now: start };
  const app: FastifyInstance = await buildServer({
    ledger,
    clock: () => state.now,
    tls,
    loginsPerMinute: options.loginsPerMinute ?? 1000,
    onLogged: options.onLogged,
  });
  // Every answer is checked against the OpenAPI document; a test that got one the document does not describe fails at stop().
  const conformance = conformanceChecker();
  app.addHook('onSend', async (req, reply, payload) => {
    if (typeof payload === 'string' && req.url !== '/openapi.json') conformance.check(req.method, req.url, reply.statusCode, payload);
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    fingerprint: tls.fingerprint,
    certificate: tls.cert,
    ledger,
    home,
    database,
    get now() {
      return state.now;
    },
    set now(t: number) {
      state.now = t;
    },
    login: (user, password = PASSWORD) => login({ server: url, user, password, fingerprint: tls.fingerprint }),
    call: (session, name, body, key) => callApi(session, name, body, { idempotencyKey: key }),
    stop: async () => {
      await app.close();
      await ledger.close();
      if (conformance.violations.length) throw new Error(`Answers the OpenAPI document does not describe:\n${conformance.violations.join('\n')}`);
    },
  };
}

/** A request as curl sends it to the test server: the body's bytes as given, the answer's status and text. */
export function postRaw(s: Pick<TestServer, 'url' | 'certificate'>, path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      new URL(path, s.url),
      { method: 'POST', ca: s.certificate, checkServerIdentity: () => undefined, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** License Central's key file, written where a device's `init --trust` can read it (as an administrator carries it). */
export async function keyFileOf(s: Pick<TestServer, 'ledger'>): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'slr-lc-key-')), 'license-central.pem');
  writeFileSync(file, (await s.ledger.exportKey()).file);
  return file;
}
