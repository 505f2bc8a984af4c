// License Central as a server, on both engines: the same operations and refusals as the CLI, the seeds'
// roles (403 and nothing changed outside them), idempotent retries, logins (limited, failures logged),
// sessions and API tokens, bad requests of every kind, the OpenAPI document, and 20 clients at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { API_NAMES, apiPath } from '../shared/authority/api.ts';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { callApi } from '../electron/net/server-client.ts';
import { openApiDocument } from '../electron/server/openapi.ts';
import { fingerprintOf, KEY_FILE, selfSignedCertificate } from '../electron/server/tls.ts';
import { buildServer } from '../electron/server/app.ts';
import { LOGIN_FAILURES_ALLOWED, SESSION_HOURS } from '../electron/authority/users/users.ts';
import { makeDevice, type Device } from './helpers/world.ts';
import { checkInvariants } from './helpers/ledger-audit.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { PASSWORD, postRaw, startServer, type Engine, type TestServer } from './helpers/server.ts';
import { refused } from './helpers/refused.ts';

const T = Date.UTC(2026, 3, 1, 9, 0, 0);

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

/** What an operation may change, to check that a refused one changed nothing. */
async function snapshot(s: TestServer): Promise<string> {
  const db = s.ledger.store.db;
  const q = async (sql: string) => JSON.stringify(await db.all(sql));
  return (
    await Promise.all([
      q('SELECT * FROM lots ORDER BY id'),
      q('SELECT * FROM holdings ORDER BY instance_id, lot_id'),
      q('SELECT * FROM transitions ORDER BY id'),
      q('SELECT id, account_id, state, wrong_codes, locked FROM instances ORDER BY id'),
      q('SELECT id, name FROM accounts ORDER BY id'),
      q('SELECT id, retired_at FROM signing_keys ORDER BY id'),
    ])
  ).join('\n');
}

/** A device that trusts the server's signing key, with reservation enabled: its request code. */
async function device(s: TestServer, session: RemoteSession): Promise<{ d: Device; request: string }> {
  const key = (await s.call(session, 'key-export', {})) as { id: string; pem: string };
  const d = makeDevice('UCM', s.now, [{ id: key.id, publicKey: key.pem }]);
  d.run({ type: 'enable' }, s.now);
  return { d, request: d.run({ type: 'request' }, s.now).issued!.code };
}

/** A raw HTTPS request to the server (for what the client never sends). */
async function raw(
  s: TestServer,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { ok: boolean; error?: { code: string; message: string } } }> {
  const r = await postRaw(s, path, body, headers);
  return { status: r.status, json: JSON.parse(r.text) as { ok: boolean; error?: { code: string; message: string } } };
}

const ENGINES: { engine: Engine; skip: boolean }[] = [
  { engine: 'sqlite', skip: false },
  { engine: 'postgres', skip: SKIP_POSTGRES },
];

describe.each(ENGINES)('License Central server on $engine', ({ engine, skip }) => {
  let s: TestServer;
  let admin: RemoteSession;
  beforeAll(async () => {
    if (skip) return;
    s = await startServer(engine, T, postgres);
    admin = await s.login('admin');
  });
  afterAll(async () => s?.stop());

  it.skipIf(skip)('runs the whole exchange with the same rules and messages, and the log names the user', async () => {
    const { d, request } = await device(s, admin);
    const reserved = (await s.call(admin, 'reserve', { account: 'Default', request, licenses: { UCM_Basic: 4 } })) as { code: string; sn: string };
    d.run({ type: 'install', code: reserved.code }, s.now);
    // An offline usage report through the server: imported once, acknowledged, shown.
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 5 }, s.now);
    const report = d.run({ type: 'usage-report' }, s.now).issued!.code;
    const imported = (await s.call(admin, 'usage-import', { report })) as { ack: string; over: unknown[] };
    expect(imported.over).toHaveLength(1);
    expect(await s.call(admin, 'usage-import', { report })).toMatchObject({ replayed: true, ack: imported.ack });
    expect(d.run({ type: 'usage-acknowledge', ack: imported.ack }, s.now).message).toMatch(/^Usage report #1 .* acknowledged/);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 0 }, s.now);
    const lines = ((await s.call(admin, 'usage-reports', {})) as { lines: { sn: string; flags: string[] }[] }).lines;
    expect(lines.find((l) => l.sn === reserved.sn)?.flags).toEqual(['over-reserved']);
    // The same refusal, word for word, as the ledger gives the CLI.
    const again = await refused(s.call(admin, 'reserve', { account: 'Default', request, licenses: { UCM_Basic: 1 } }));
    expect(again.code).toBe('request-used');
    expect(again.message).toMatch(/^This request code was already used: reservation .* was made for it on /);
    const short = await refused(s.call(admin, 'update', { instance: reserved.sn, licenses: { UCM_Basic: 40 } }));
    expect(short.code).toBe('shortfall');
    s.now += 60_000;
    const updated = (await s.call(admin, 'update', { instance: reserved.sn, licenses: { UCM_Basic: 2 } })) as { code: string; inTransition: number };
    expect(updated.inTransition).toBe(2);
    const confirmation = d.run({ type: 'install', code: updated.code }, s.now).issued!.code;
    expect(await s.call(admin, 'confirm', { instance: reserved.sn, code: confirmation })).toMatchObject({ released: 2 });
    const code = (await s.call(admin, 'code', { instance: reserved.sn })) as { code: string; keyId: string };
    expect(code.code).toBe(updated.code);
    const returned = d.run({ type: 'return' }, s.now).issued!.code;
    expect(await s.call(admin, 'remove', { instance: reserved.sn, returnCode: returned })).toMatchObject({ released: 2 });
    const events = (await s.call(admin, 'events', {})) as { actor: string; type: string }[];
    for (const type of ['reserve', 'update', 'confirm', 'remove']) expect(events.find((e) => e.type === type)?.actor, type).toBe('admin');
    // Expiry notices as events, once each, on this engine too (the server records them every hour).
    await s.ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 1, term: { start: s.now - 86_400_000, end: s.now + 5 * 86_400_000 } }, s.now);
    expect((await s.ledger.recordNotices(s.now)).map((n) => [n.kind, n.notice])).toContainEqual(['term-license', 7]);
    expect(await s.ledger.recordNotices(s.now + 1000)).toEqual([]);
    expect((await s.ledger.events()).filter((e) => e.type === 'expiry-notice').length).toBeGreaterThan(0);
    expect(await s.call(admin, 'events-verify', {})).toMatchObject({ broken: null });
    expect(await checkInvariants(s.ledger)).toEqual([]);
  });

  it.skipIf(skip)('keeps each role to what the seeds give it, in its own virtual account: 403 and nothing changed', async () => {
    const labUser = await s.login('lab-user');
    const labAdmin = await s.login('lab-admin');
    const defaultUser = await s.login('default-user');
    // A user of Lab sees Lab only, reserves in Lab, and nothing more.
    expect(((await s.call(labUser, 'licenses', {})) as { account: string }[]).map((l) => l.account)).toEqual(['Lab']);
    expect(await s.call(labUser, 'accounts', {})).toEqual(['Lab']);
    const { d, request } = await device(s, labUser);
    const r = (await s.call(labUser, 'reserve', { account: 'Lab', request, licenses: { UCM_Basic: 1 } })) as { code: string; sn: string };
    d.run({ type: 'install', code: r.code }, s.now);
    const other = await device(s, admin);
    const forbidden: [RemoteSession, Parameters<TestServer['call']>[1], object][] = [
      [labUser, 'reserve', { account: 'Default', request: other.request, licenses: { UCM_Basic: 1 } }],
      [labUser, 'licenses', { account: 'Default' }],
      [labUser, 'license-add', { account: 'Lab', tag: 'UCM_Basic', count: 5 }],
      [labUser, 'unlock', { instance: r.sn }],
      [labUser, 'remove', { instance: r.sn, returnCode: 'AAAAA-AAAAA' }],
      [labUser, 'account-add', { name: 'Mine' }],
      [labUser, 'key-add', {}],
      [defaultUser, 'update', { instance: r.sn, licenses: { UCM_Basic: 2 } }],
      [defaultUser, 'code', { instance: r.sn }],
      [defaultUser, 'usage-import', { report: d.run({ type: 'usage-report' }, s.now).issued!.code }],
      [labUser, 'usage-policy', { silentAfterDays: 1 }],
      [labAdmin, 'license-add', { account: 'Default', tag: 'UCM_Basic', count: 5 }],
      [labAdmin, 'transfer', { instance: r.sn, to: 'Default' }],
      [labAdmin, 'transfer-licenses', { from: 'Lab', to: 'Default', tag: 'UCM_Basic', count: 1 }],
      [labAdmin, 'account-add', { name: 'Mine' }],
      [labAdmin, 'key-retire', { id: '0123456789abcdef' }],
      [labAdmin, 'clock-accept', { reason: 'no' }],
      [labAdmin, 'events-verify', {}],
    ];
    for (const [who, name, body] of forbidden) {
      const before = await snapshot(s);
      const e = await refused(s.call(who, name, body as never));
      expect(e.code, `${who.user} ${name}`).toBe('forbidden');
      expect(e.message).toMatch(
        new RegExp(`^User "${who.user}" \\(Virtual Account (User|Administrator) of "(Lab|Default)"\\) may not .*; nothing was changed\\.$`),
      );
      expect(await snapshot(s), `${who.user} ${name} changed the ledger`).toBe(before);
    }
    // An account outside the user's is refused alike whether it exists or not (403): nothing tells which do;
    // the refusal names the user's own account.
    const unknown = await refused(s.call(labUser, 'licenses', { account: 'Nowhere' }));
    expect(unknown.code).toBe('forbidden');
    expect(unknown.message).toMatch(/Virtual Account User of "Lab"/);
    // What each may do, it does.
    await s.call(labUser, 'update', { instance: r.sn, licenses: { UCM_Basic: 2 } });
    await s.call(labAdmin, 'license-add', { account: 'Lab', tag: 'UCM_Basic', count: 5 });
    await s.call(admin, 'transfer', { instance: r.sn, to: 'Default' });
    // Moved out of Lab, the instance is out of reach for Lab's users.
    expect((await refused(s.call(labUser, 'code', { instance: r.sn }))).code).toBe('forbidden');
    expect(((await s.call(labUser, 'instances', {})) as unknown[]).length).toBe(0);
    expect(((await s.call(defaultUser, 'events', {})) as { account: string | null }[]).every((e) => e.account === null || e.account === 'Default')).toBe(true);
  });

  it.skipIf(skip)('makes a retried change safe: the same key gives the first result, never a second reservation', async () => {
    const { request } = await device(s, admin);
    const key = randomUUID();
    const before = ((await s.call(admin, 'instances', {})) as unknown[]).length;
    const body = { account: 'Default', request, licenses: { UCM_Basic: 1 } };
    // Sent three times at once with one key (a client retrying over a flaky link): one reservation.
    const answers = (await Promise.all([0, 1, 2].map(() => s.call(admin, 'reserve', body, key)))) as { code: string }[];
    expect(new Set(answers.map((a) => a.code)).size).toBe(1);
    expect(((await s.call(admin, 'instances', {})) as unknown[]).length).toBe(before + 1);
    // A refusal is remembered too: the retry of a refused change is the same refusal, even once it would pass.
    const other = await device(s, admin);
    const refusedKey = randomUUID();
    const big = { account: 'Default', request: other.request, licenses: { UCM_Basic: 1000 } };
    expect((await refused(s.call(admin, 'reserve', big, refusedKey))).code).toBe('shortfall');
    expect((await refused(s.call(admin, 'reserve', big, refusedKey))).code).toBe('shortfall');
    // The same key with another request is refused, and does nothing.
    const snap = await snapshot(s);
    const misuse = await refused(s.call(admin, 'reserve', { ...body, licenses: { UCM_Basic: 2 } }, key));
    expect(misuse.code).toBe('idempotency-key');
    expect(await snapshot(s)).toBe(snap);
    // A change without a key is refused before anything runs.
    const bare = await raw(s, apiPath('account-add'), JSON.stringify({ name: 'NoKey' }), { authorization: `Bearer ${admin.token}` });
    expect(bare.status).toBe(400);
    expect(bare.json.error!.message).toMatch(/needs an Idempotency-Key header/);
    expect(await s.call(admin, 'accounts', {})).not.toContain('NoKey');
  });

  it.skipIf(skip)('retries a change whose answer was lost on the way back, and the retry gets the first result', async () => {
    // A second front on the same ledger whose first answer to a reservation is lost: the server did the
    // change, the connection dies before the client hears of it.
    const front = await buildServer({ ledger: s.ledger, clock: () => s.now, tls: { cert: s.certificate, key: readFileSync(join(s.home, KEY_FILE), 'utf8') } });
    let dropped = 0;
    front.addHook('onSend', async (req, reply) => {
      if (req.url === apiPath('reserve') && dropped++ === 0) reply.raw.socket?.destroy();
    });
    await front.listen({ host: '127.0.0.1', port: 0 });
    try {
      const via = { ...admin, server: `https://127.0.0.1:${(front.server.address() as AddressInfo).port}` };
      const { request } = await device(s, admin);
      const before = ((await s.call(admin, 'instances', {})) as unknown[]).length;
      const r = (await callApi(via, 'reserve', { account: 'Default', request, licenses: { UCM_Basic: 1 } }, { retries: 3 })) as { code: string; sn: string };
      // Sent twice (the first answer lost), done once, and the retry's answer is the first result.
      expect(dropped).toBe(2);
      expect(((await s.call(admin, 'instances', {})) as unknown[]).length).toBe(before + 1);
      expect(((await s.call(admin, 'code', { instance: r.sn })) as { code: string }).code).toBe(r.code);
    } finally {
      await front.close();
    }
  });

  it.skipIf(skip)('limits logins per user, logs each failure without the password, and ends sessions as it should', async () => {
    const wrong = 'not the password at all';
    for (let i = 0; i < LOGIN_FAILURES_ALLOWED; i++) expect((await refused(s.login('lab-admin', wrong))).code).toBe('unauthorized');
    // Locked out for the window: the right password too.
    expect((await refused(s.login('lab-admin'))).code).toBe('rate-limited');
    // An unknown user is refused alike (nothing tells which names exist).
    expect((await refused(s.login('nobody', wrong))).message).toBe((await refused(s.login('lab-user', wrong))).message);
    const events = (await s.call(admin, 'events', {})) as { type: string; message: string }[];
    expect(events.filter((e) => e.type === 'login-failed').length).toBeGreaterThanOrEqual(LOGIN_FAILURES_ALLOWED + 2);
    expect(JSON.stringify(events)).not.toContain(wrong);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    // What the ledger keeps: scrypt hashes of passwords, SHA-256 of tokens; never either itself.
    const db = s.ledger.store.db;
    expect((await db.all<{ password_hash: string }>('SELECT password_hash FROM users')).every((u) => u.password_hash.startsWith('scrypt$'))).toBe(true);
    const kept = JSON.stringify(await db.all('SELECT * FROM sessions')) + JSON.stringify(await db.all('SELECT * FROM users'));
    expect(kept).not.toContain(admin.token);
    expect(kept).not.toContain(PASSWORD);
    s.now += 16 * 60_000;
    const labAdmin = await s.login('lab-admin');
    // A session expires; an API token lasts until its user is disabled.
    const token = await s.ledger.newApiToken('lab-admin', s.now);
    const script = { ...labAdmin, token: token.token };
    s.now += SESSION_HOURS * 3_600_000 + 1;
    expect((await refused(s.call(labAdmin, 'licenses', {}))).message).toMatch(/^This session expired on /);
    expect(await s.call(script, 'accounts', {})).toEqual(['Lab']);
    await s.ledger.disableUser('lab-admin', s.now);
    expect((await refused(s.call(script, 'accounts', {}))).code).toBe('unauthorized');
    expect((await refused(s.login('lab-admin'))).code).toBe('unauthorized');
    admin = await s.login('admin');
    // Logout ends the session on the server.
    const brief = await s.login('default-user');
    await callApi(brief, 'logout', {});
    expect((await refused(s.call(brief, 'accounts', {}))).code).toBe('unauthorized');
  });

  it.skipIf(skip)('makes a user with a one-time password set their own before anything else', async () => {
    const made = await s.ledger.addUser({ name: 'newcomer', role: 'va-user', account: 'Lab' }, s.now);
    const session = await s.login('newcomer', made.generatedPassword!);
    expect((await refused(s.call(session, 'licenses', {}))).message).toMatch(/one-time password/);
    expect((await refused(s.call(session, 'password', { current: 'wrong wrong wrong', new: 'a brand new password' }))).code).toBe('unauthorized');
    await s.call(session, 'password', { current: made.generatedPassword!, new: 'a brand new password' });
    // Every session of the user ended with the change: log in again.
    expect((await refused(s.call(session, 'licenses', {}))).code).toBe('unauthorized');
    const again = await s.login('newcomer', 'a brand new password');
    expect(await s.call(again, 'accounts', {})).toEqual(['Lab']);
  });

  it.skipIf(skip)('answers every bad request with a precise refusal and changes nothing', async () => {
    const auth = { authorization: `Bearer ${admin.token}`, 'idempotency-key': randomUUID() };
    const before = await snapshot(s);
    const cases: [string, string, Record<string, string>, number, RegExp][] = [
      [apiPath('licenses'), '{"account": ', auth, 400, /JSON/i],
      [apiPath('licenses'), '[]', auth, 400, /licenses: the body must be a JSON object/],
      [apiPath('key-add'), 'null', { ...auth, 'idempotency-key': 'k' }, 400, /key-add: the body must be a JSON object/],
      [apiPath('licenses'), '"text"', auth, 400, /licenses: the body must be a JSON object/],
      [apiPath('reserve'), JSON.stringify({ account: 'Default', request: 'x', licenses: {}, extra: 1 }), auth, 400, /Unrecognized key/],
      [apiPath('reserve'), JSON.stringify({ account: 'Default', request: 'x'.repeat(5000), licenses: {} }), auth, 400, /request/],
      [apiPath('license-add'), JSON.stringify({ account: 'Default', tag: 'UCM_Basic', count: -1 }), auth, 400, /count/],
      [
        apiPath('license-add'),
        JSON.stringify({ account: 'Default', tag: 'UCM_Basic', count: 1, term: { start: '2026-13-01', end: '2027-01-01' } }),
        auth,
        409,
        /term.start/,
      ],
      [apiPath('accounts'), JSON.stringify({ pad: 'x'.repeat(300 * 1024) }), auth, 413, /too large/i],
      [apiPath('accounts'), '{}', {}, 401, /no session or API token/],
      [apiPath('accounts'), '{}', { authorization: 'Bearer slr_s_notarealtokenatall' }, 401, /not valid/],
      [apiPath('accounts'), '{}', { authorization: 'Basic YWRtaW46eA==' }, 401, /no session/],
      ['/v1/drop-tables', '{}', auth, 404, /No such operation/],
      [apiPath('reserve'), JSON.stringify({ account: 'Default', request: 'not a code', licenses: { UCM_Basic: 1 } }), auth, 409, /./],
    ];
    for (const [path, body, headers, status, message] of cases) {
      // Each request its own idempotency key (a key is for one request only).
      const r = await raw(s, path, body, headers['idempotency-key'] ? { ...headers, 'idempotency-key': randomUUID() } : headers);
      expect(r.status, `${path} ${body.slice(0, 60)}`).toBe(status);
      expect(r.json.ok).toBe(false);
      expect(r.json.error!.message, path).toMatch(message);
    }
    expect(await snapshot(s)).toBe(before);
  });

  it.skipIf(skip)('refuses a client that pins another certificate before it sends anything', async () => {
    const stranger = { ...admin, fingerprint: 'AB:'.repeat(31) + 'AB' };
    expect((await refused(callApi(stranger, 'accounts', {}))).code).toBe('server-untrusted');
    // A server in between with a certificate of its own fails the pinned one's chain check as well.
    const impostor = selfSignedCertificate(['127.0.0.1'], T).cert;
    expect((await refused(callApi({ ...admin, certificate: impostor, fingerprint: fingerprintOf(impostor) }, 'accounts', {}))).code).toBe('server-untrusted');
  });

  it.skipIf(skip)('serves 20 clients at once without overselling, losing an update, or a refusal changing anything', async () => {
    await s.call(admin, 'account-add', { name: 'Race' }, randomUUID());
    await s.call(admin, 'license-add', { account: 'Race', tag: 'UCM_Basic', count: 30 }, randomUUID());
    const sessions = await Promise.all(Array.from({ length: 20 }, () => s.login('admin')));
    const outcomes = await Promise.all(
      sessions.map(async (session, i) => {
        const { d, request } = await device(s, session);
        const result = { sn: d.udi.sn, held: 0, refusals: [] as string[], removed: false };
        const attempt = async <T>(fn: () => Promise<T>): Promise<T | null> => {
          try {
            return await fn();
          } catch (e) {
            result.refusals.push((e as { code: string }).code);
            return null;
          }
        };
        const r = await attempt(() => s.call(session, 'reserve', { account: 'Race', request, licenses: { UCM_Basic: 3 } }) as Promise<{ code: string }>);
        if (!r) return result;
        d.run({ type: 'install', code: r.code }, s.now);
        result.held = 3;
        const want = i % 2 ? 1 : 5;
        const u = await attempt(() => s.call(session, 'update', { instance: result.sn, licenses: { UCM_Basic: want } }) as Promise<{ code: string }>);
        if (u) {
          result.held = want;
          const confirmation = d.run({ type: 'install', code: u.code }, s.now).issued!.code;
          await s.call(session, 'confirm', { instance: result.sn, code: confirmation });
        }
        if (i % 3 === 0) {
          await s.call(session, 'remove', { instance: result.sn, returnCode: d.run({ type: 'return' }, s.now).issued!.code });
          result.removed = true;
          result.held = 0;
        }
        return result;
      }),
    );
    // Every refusal is the one expected (not enough licenses), never an error of the server.
    expect(new Set(outcomes.flatMap((o) => o.refusals))).toEqual(new Set(['shortfall']));
    const race = (
      (await s.call(admin, 'licenses', { account: 'Race' })) as { purchased: number; reserved: number; inTransition: number; available: number }[]
    )[0]!;
    const held = outcomes.reduce((n, o) => n + o.held, 0);
    expect(race).toMatchObject({ purchased: 30, reserved: held, inTransition: 0, available: 30 - held });
    // What each client was told it holds is exactly what the ledger holds for it: no update lost.
    const instances = (await s.call(admin, 'instances', { account: 'Race' })) as { sn: string; reserved: Record<string, number> }[];
    for (const o of outcomes.filter((x) => x.held > 0)) expect(instances.find((x) => x.sn === o.sn)?.reserved, o.sn).toEqual({ UCM_Basic: o.held });
    expect(instances.length).toBe(outcomes.filter((o) => o.held > 0).length);
    expect(outcomes.filter((o) => o.refusals.length).length).toBeGreaterThan(0);
    expect(await checkInvariants(s.ledger)).toEqual([]);
  });
});

describe('logins per client address', () => {
  it('are limited: past the limit a login is refused (429) before any password is checked', async () => {
    const s = await startServer('sqlite', T, null, { loginsPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++) await s.login('admin');
      const e = await refused(s.login('admin'));
      expect(e.code).toBe('rate-limited');
      // Nothing was checked, so nothing was logged as a failure.
      expect((await s.ledger.events()).filter((x) => x.type === 'login-failed')).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});

describe('the OpenAPI document', () => {
  it('is served from the same operations table, and the copy in the repo is that document', () => {
    const doc = openApiDocument() as { paths: Record<string, { post?: { operationId: string } }> };
    for (const name of API_NAMES) expect(doc.paths[apiPath(name)]?.post?.operationId).toBe(name);
    const kept = JSON.parse(readFileSync(new URL('../electron/server/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(kept, 'electron/server/openapi.json is stale: run `npm run openapi`').toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
