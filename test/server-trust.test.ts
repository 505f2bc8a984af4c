// License Central's server against someone holding a session, an API token or a copy of its database, on
// both engines: no secret kept at rest for retries, password guesses limited and logged, an API token not
// ended by logout, one text rule (well-formed Unicode, NFC, no control, format, separator or non-breaking
// characters in names) and one case rule, in JavaScript and in both databases alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { PASSWORD, postRaw as post, startServer, type Engine, type TestServer } from './helpers/server.ts';
import { refused } from './helpers/refused.ts';
import { parseCodeDate, parseIsoDate } from '../shared/codes/dates.ts';
import { serve } from '../electron/server/serve.ts';

const T = Date.UTC(2026, 5, 1, 9);

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

describe.each([
  { engine: 'sqlite' as Engine, skip: false },
  { engine: 'postgres' as Engine, skip: SKIP_POSTGRES },
])('License Central keeps no secret for retries and one rule for text ($engine)', ({ engine, skip }) => {
  let s: TestServer;
  let admin: RemoteSession;
  beforeAll(async () => {
    if (skip) return;
    s = await startServer(engine, T, postgres);
    admin = await s.login('admin');
  });
  afterAll(async () => s?.stop());
  const dump = async () => JSON.stringify(await s.ledger.store.all('SELECT * FROM idempotency'));

  it.skipIf(skip)('keeps neither passwords, their hashes, the keys as sent, nor a new token for retries', async () => {
    const user = await s.login('lab-admin');
    const key = randomUUID();
    const body = { current: PASSWORD, new: 'a much longer new password' };
    await s.call(user, 'password', body, key);
    // Retried with its key (from a new session: the change ended the others): the same answer, nothing done twice.
    const again = await s.login('lab-admin', 'a much longer new password');
    expect(await s.call(again, 'password', body, key)).toEqual({ generatedPassword: null });
    const tokenKey = randomUUID();
    const made = (await s.call(admin, 'token-create', { account: 'Lab', server: s.url }, tokenKey)) as { token: string };
    const retry = await refused(s.call(admin, 'token-create', { account: 'Lab', server: s.url }, tokenKey));
    expect(retry.code).toBe('idempotency-key');
    expect(retry.message).toMatch(/answer carried a secret, which is not kept/);
    const rows = await dump();
    for (const secret of [PASSWORD, 'a much longer new password', made.token, made.token.split('.')[2]!, key, tokenKey])
      expect(rows, `the idempotency table holds ${secret.slice(0, 12)}…`).not.toContain(secret);
    const plainHash = createHash('sha256')
      .update(JSON.stringify(['password', body]))
      .digest('hex');
    expect(rows).not.toContain(plainHash);
    // Only one token was made.
    expect(((await s.call(admin, 'token-list', { account: 'Lab' })) as unknown[]).length).toBe(1);
    await s.ledger.setPassword({ name: 'lab-admin', password: PASSWORD }, s.now);
  });

  it.skipIf(skip)('limits guesses of the current password per user, logs each, and refuses the right one after the limit', async () => {
    const user = await s.login('default-user');
    for (let i = 0; i < 5; i++)
      expect((await refused(s.call(user, 'password', { current: `wrong guess ${i}`, new: 'another long password' }, randomUUID()))).code).toBe('unauthorized');
    const limited = await refused(s.call(user, 'password', { current: PASSWORD, new: 'another long password' }, randomUUID()));
    expect(limited.code).toBe('rate-limited');
    const events = (await s.call(admin, 'events', {})) as { type: string }[];
    expect(events.filter((e) => e.type === 'password-failed').length).toBe(5);
    // Logins of that user are limited too, by the same count.
    expect((await refused(s.login('default-user'))).code).toBe('rate-limited');
    s.now += 16 * 60_000;
  });

  it.skipIf(skip)('leaves an API token alive at logout, as README says', async () => {
    const { token } = await s.ledger.newApiToken('lab-user', s.now);
    const script: RemoteSession = { ...admin, user: 'lab-user', token, expiresAt: null };
    expect((await refused(s.call(script, 'logout', {}))).message).toMatch(/API token, not a session/);
    expect(await s.call(script, 'whoami', {})).toMatchObject({ name: 'lab-user' });
  });

  it.skipIf(skip)('refuses bodies that are not UTF-8 or hold a lone surrogate (400), and the log stays verifiable', async () => {
    const auth = { authorization: `Bearer ${admin.token}`, 'idempotency-key': randomUUID() };
    const lone = await post(s, '/v1/token-create', '{"account":"Lab","server":"https://lc.example:8443","description":"x\\ud800y"}', auth);
    expect(lone.status).toBe(400);
    expect(lone.text).toMatch(/lone surrogate/);
    const bytes = Buffer.concat([
      Buffer.from('{"account":"Lab","server":"https://lc.example:8443","description":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const notUtf8 = await post(s, '/v1/token-create', bytes, { ...auth, 'idempotency-key': randomUUID() });
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.text).toMatch(/not valid UTF-8/);
    expect((await s.ledger.verifyEvents()).broken).toBeNull();
  });

  it.skipIf(skip)('refuses names with control, format, separator or non-breaking characters, or not in NFC', async () => {
    for (const bad of [
      'Lab\tB',
      'Lab\nB',
      'Lab\u2028B',
      'Lab\u200bB',
      'Lab\u00a0B',
      '\ufeffLab',
      'Lab\u00adB',
      'Lab\u202eB',
      'u\u0308ber',
      'Lab2\u3000',
      'Lab\ufffd',
    ])
      expect((await refused(s.ledger.addAccount(bad, s.now))).code, JSON.stringify(bad)).toBe('bad-name');
    for (const bad of ['x\u2028y', 'x\u0000y', 'x\ty', 'x\ny', '\ufeffx', 'x\u200by'])
      expect((await refused(s.call(admin, 'token-create', { account: 'Lab', server: s.url, description: bad }))).code).toBe('bad-text');
  });

  it.skipIf(skip)('answers bad input with 4xx and a clear message, never 500: a server URL with a space, dates outside 2000-2099, a busy port', async () => {
    const url = await refused(s.call(admin, 'token-create', { account: 'Lab', server: 'https://a b' }));
    expect(url).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/server: an https:\/\/ URL of a host/) });
    const terms: [string, string][] = [
      ['0099-01-01', '0099-12-31'],
      ['2026-01-01', '9999-12-31'],
      ['1999-12-31', '2026-01-01'],
    ];
    for (const [start, end] of terms) {
      const e = await refused(s.call(admin, 'license-add', { account: 'Lab', tag: 'UCM_Basic', count: 1, term: { start, end } }));
      expect(e, `${start} ${end}`).toMatchObject({ code: 'bad-date', message: expect.stringMatching(/outside 2000 to 2099/) });
    }
    expect(() => parseCodeDate('9999-Dec-31 UTC', 'endDate')).toThrow(/the year 9999 is outside 2000 to 2099/);
    expect(() => parseCodeDate('0050-Jan-01 UTC', 'startDate')).toThrow(/the year 50 is outside/);
    expect(new Date(parseIsoDate('2099-12-31', 'end')).toISOString()).toBe('2099-12-31T00:00:00.000Z');
    if (engine === 'sqlite') {
      const busy = await refused(serve({ home: s.home, listen: new URL(s.url).host, clock: () => s.now }));
      expect(busy).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/cannot listen: .* is in use by another program/) });
    }
  });

  it.skipIf(skip)('tells a virtual-account user nothing of which other accounts exist: 403 for one that does and one that does not', async () => {
    const labAdmin = await s.login('lab-admin');
    const exists = await refused(s.call(labAdmin, 'token-create', { account: 'Default', server: s.url }));
    const absent = await refused(s.call(labAdmin, 'token-create', { account: 'No Such Account', server: s.url }));
    expect([exists.code, absent.code]).toEqual(['forbidden', 'forbidden']);
    expect(absent.message.replace('No Such Account', 'Default')).toBe(exists.message);
    // An administrator of the whole smart account is told it does not exist.
    expect((await refused(s.call(admin, 'token-create', { account: 'No Such Account', server: s.url }))).code).toBe('no-account');
  });

  it.skipIf(skip)("shows a count changed by SQL beside SLR Desk, and events cut off the log's end, which the chain alone cannot", async () => {
    const store = s.ledger.store;
    expect((await s.ledger.verifyEvents()).sealProblem).toBeNull();
    const lot = (await store.get<{ id: number; count: number }>('SELECT id, count FROM lots ORDER BY id LIMIT 1'))!;
    await store.run('UPDATE lots SET count = ? WHERE id = ?', Number(lot.count) + 1000, lot.id);
    const edited = await s.ledger.verifyEvents();
    expect(edited.broken).toBeNull();
    expect(edited.sealProblem).toMatch(/changed outside SLR Desk/);
    await store.run('UPDATE lots SET count = ? WHERE id = ?', lot.count, lot.id);
    expect((await s.ledger.verifyEvents()).sealProblem).toBeNull();
    const last = (await store.get<{ id: number }>('SELECT max(id) AS id FROM events'))!;
    const kept = await store.all<Record<string, unknown>>('SELECT * FROM events WHERE id = ?', last.id);
    await store.run('DELETE FROM events WHERE id = ?', last.id);
    const cut = await s.ledger.verifyEvents();
    expect(cut.broken).toBeNull();
    expect(cut.sealProblem).toMatch(/end of its log/);
    const e = kept[0]!;
    await store.run(
      'INSERT INTO events (id, at, actor, account, instance, type, message, code, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ...(['id', 'at', 'actor', 'account', 'instance', 'type', 'message', 'code', 'hash'].map((k) => e[k]) as never[]),
    );
    expect((await s.ledger.verifyEvents()).sealProblem).toBeNull();
  });

  it.skipIf(skip)('compares names by one case rule on both engines: über is Über, İ folds to i̇, ß is not ss', async () => {
    await s.ledger.addAccount('über', s.now);
    expect((await refused(s.ledger.addAccount('Über', s.now))).message).toMatch(/"über" already exists/);
    await s.ledger.addAccount('İzmir', s.now);
    expect((await refused(s.ledger.addAccount('i\u0307zmir', s.now))).code).toBe('account-exists');
    await s.ledger.addAccount('Straße', s.now);
    await s.ledger.addAccount('STRASSE', s.now);
    // A virtual-account administrator of "über" acts on "Über" (the same account) and on no other.
    await s.ledger.addUser({ name: 'ueber-admin', role: 'va-admin', account: 'über', password: PASSWORD }, s.now);
    const ueber = await s.login('ueber-admin');
    await s.call(ueber, 'token-create', { account: 'Über', server: s.url });
    expect(((await s.call(admin, 'token-list', { account: 'über' })) as unknown[]).length).toBe(1);
    expect((await refused(s.call(ueber, 'token-create', { account: 'Straße', server: s.url }))).code).toBe('forbidden');
    const names = ((await s.call(admin, 'accounts', {})) as string[]).filter((n) => /ber|zmir|stra/i.test(n));
    expect(names.sort()).toEqual(['STRASSE', 'Straße', 'İzmir', 'über'].sort());
  });
});
