// Webhooks of License Central (issue 30): an administrator adds a URL for a virtual account (or the whole smart
// account) and the events it takes; the events the log records from then on are queued, signed with the
// webhook's secret, POSTed, tried again with growing waits until delivered or given up, every attempt in the
// delivery log. As adversaries: bad URLs and events, another account's administrator, a receiver that fails,
// redirects or is down, two senders at once, a removed webhook, a forged or replayed signature.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import type { Delivery, PostDelivery } from '../electron/authority/webhooks/webhook-post.ts';
import { webhookRounds } from '../electron/server/webhook-rounds.ts';
import { fromBase64 } from '../shared/bytes.ts';
import { parseKeyFile } from '../shared/codes/key-file.ts';
import { WEBHOOK_PAYLOAD } from '../shared/authority/api-webhooks.ts';
import {
  MAX_ATTEMPTS,
  MAX_WEBHOOKS_PER_ACCOUNT,
  parseSignatureHeader,
  RETRY_AFTER_MS,
  signedText,
  WEBHOOK_EVENT_NAMES,
  type WebhookPayload,
} from '../shared/authority/webhooks.ts';
import { keyId } from '../electron/platform/crypto.ts';
import { deviceCall, registerDevice } from '../electron/device/registration-client.ts';
import { makeDevice } from './helpers/world.ts';
import { refused } from './helpers/refused.ts';
import { scratchDirs } from './helpers/scratch.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { slr, slrAsync } from './helpers/cli.ts';
import { serve } from '../electron/server/serve.ts';

const scratch = scratchDirs('slr-webhooks-');
const T = Date.UTC(2026, 8, 1, 8);
const DAY = 86_400_000;

/** A receiver on this machine's loopback: what it was sent, answering `status` (or hanging up). */
async function receiver(): Promise<{
  url: string;
  got: { headers: IncomingHttpHeaders; body: string }[];
  status: number;
  location?: string;
  close(): Promise<void>;
}> {
  const r = { got: [] as { headers: IncomingHttpHeaders; body: string }[], status: 204, location: undefined as string | undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(r.status, r.location ? { location: r.location } : {}).end('a body License Central must never read');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return Object.assign(r, { url, close: () => new Promise<void>((done) => server.close(() => done())) });
}

/** What a receiver does with a delivery: the signature checked with the secret, the timestamp near its clock. */
function verified(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): WebhookPayload {
  const sig = parseSignatureHeader(String(headers['slr-signature']));
  if (!sig) throw new Error('no signature');
  const mac = createHmac('sha256', secret).update(signedText(sig.seconds, body)).digest();
  if (!timingSafeEqual(mac, Buffer.from(sig.mac, 'hex'))) throw new Error('bad signature');
  if (Math.abs(nowSeconds - sig.seconds) > 300) throw new Error('too old');
  return WEBHOOK_PAYLOAD.parse(JSON.parse(body)) as WebhookPayload;
}

/** A post that records each delivery and answers what `outcome` says. */
function recorder(outcome: (d: Delivery) => { status: number | null; error: string | null } = () => ({ status: 200, error: null })) {
  const sent: Delivery[] = [];
  const post: PostDelivery = async (d) => {
    sent.push(d);
    const o = outcome(d);
    return o.status === null ? { status: null, error: o.error ?? 'down' } : { status: o.status, error: o.error };
  };
  return { sent, post };
}

/** A TERM license whose end is near: `recordNotices` logs an expiry-notice for its virtual account. */
async function noticeIn(ledger: Ledger, account: string, now: number) {
  await ledger.addLicenses({ account, tag: 'UCM_Basic', count: 1, term: { start: now - DAY, end: now + 20 * DAY } }, now);
  await ledger.recordNotices(now);
}

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
}, 120_000);
afterAll(async () => postgres?.stop());

const ENGINES = [
  { engine: 'SQLite', skip: false, openDb: () => openLedger({ dir: scratch(), actor: 'admin' }, true) },
  { engine: 'PostgreSQL', skip: SKIP_POSTGRES, openDb: async () => Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'admin') },
];

describe.each(ENGINES)('webhooks on the ledger ($engine)', ({ skip, openDb }) => {
  let ledger: Ledger;
  afterEach(async () => ledger?.close());
  const open = async () => {
    ledger = await openDb();
    await ledger.init('Acme', T);
    await ledger.addAccount('Lab', T);
    return ledger;
  };

  it.skipIf(skip)('are added (secret shown once), listed without their secret, refused for a bad URL, event or account, and removed', async () => {
    await open();
    const a = await ledger.addWebhook({ account: 'Lab', url: 'https://alerts.example/slr', events: ['wrong-code', 'compliance'], description: 'ops' }, T);
    expect(a).toMatchObject({ account: 'Lab', events: ['compliance', 'wrong-code'] });
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const all = await ledger.addWebhook({ url: 'http://127.0.0.1:9/relay' }, T);
    expect(all.events).toEqual(WEBHOOK_EVENT_NAMES);
    const listed = await ledger.listWebhooks();
    // The whole smart account's first, then by virtual account.
    expect(listed.map((w) => [w.id, w.account, w.pending])).toEqual([
      [all.id, null, 0],
      [a.id, 'Lab', 0],
    ]);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    expect((await ledger.listWebhooks('Lab')).map((w) => w.id)).toEqual([a.id]);
    for (const [url, why] of [
      ['', /empty/],
      ['alerts.example/slr', /not a URL/],
      ['ftp://alerts.example/slr', /not an https/],
      ['http://alerts.example/slr', /plain HTTP/],
      ['http://10.0.0.1/slr', /plain HTTP/],
      ['https://user:pw@alerts.example/slr', /user name or password/],
      ['https://alerts.example/slr#x', /fragment/],
      ['https://alerts.example/a b', /not a URL/],
      [`https://alerts.example/${'a'.repeat(2000)}`, /longer than/],
    ] as const) {
      const e = await refused(ledger.addWebhook({ url }, T));
      expect([e.code, e.message], url.slice(0, 40)).toEqual(['bad-webhook-url', expect.stringMatching(why)]);
    }
    expect((await refused(ledger.addWebhook({ url: 'https://a.example', events: ['reserve'] }, T))).message).toMatch(/cannot take "reserve"/);
    expect((await refused(ledger.addWebhook({ url: 'https://a.example', description: 'a\u001b[2Jb' }, T))).code).toBe('bad-text');
    expect((await refused(ledger.addWebhook({ account: 'Nowhere', url: 'https://a.example' }, T))).code).toBe('no-account');
    for (let i = 1; i < MAX_WEBHOOKS_PER_ACCOUNT; i++) await ledger.addWebhook({ account: 'Lab', url: `https://a.example/${i}` }, T);
    expect((await refused(ledger.addWebhook({ account: 'Lab', url: 'https://a.example/more' }, T))).code).toBe('bad-count');
    expect(await ledger.removeWebhook({ id: a.id }, T + 1)).toEqual({ id: a.id, dropped: 0 });
    expect((await refused(ledger.removeWebhook({ id: a.id }, T + 2))).message).toMatch(/was removed/);
    expect((await refused(ledger.testWebhook({ id: '0123456789abcdef' }, T))).code).toBe('no-webhook');
    // A virtual account's user's scope: another account's webhook, or the whole smart account's, is not found.
    expect((await refused(ledger.removeWebhook({ id: all.id, scope: 'Lab' }, T))).code).toBe('no-webhook');
    const types = (await ledger.events()).map((e) => e.type);
    expect(types.filter((t) => t === 'webhook-add')).toHaveLength(MAX_WEBHOOKS_PER_ACCOUNT + 1);
    expect(types).toContain('webhook-remove');
  });

  it.skipIf(skip)('are told the events they take of their account from their creation on, once each, signed', async () => {
    await open();
    await noticeIn(ledger, 'Lab', T); // before any webhook: never sent
    const lab = await ledger.addWebhook({ account: 'Lab', url: 'https://lab.example/hook', events: ['expiry-notice'] }, T + 1000);
    const whole = await ledger.addWebhook({ url: 'https://all.example/hook' }, T + 1000);
    const other = await ledger.addWebhook({ account: 'Lab', url: 'https://other.example/hook', events: ['wrong-code'] }, T + 1000);
    const r = recorder();
    expect(await ledger.deliverWebhooks(T + 2000, r.post)).toEqual({ queued: 0, delivered: 0, retrying: 0, failed: 0 });
    await noticeIn(ledger, 'Lab', T + 30 * DAY);
    await noticeIn(ledger, 'Default', T + 30 * DAY);
    const round = await ledger.deliverWebhooks(T + 30 * DAY + 1000, r.post);
    const byUrl = (u: string) => r.sent.filter((d) => d.url === u).map((d) => JSON.parse(d.body) as WebhookPayload);
    expect(byUrl('https://lab.example/hook').map((p) => [p.type, p.event!.account])).toEqual([['expiry-notice', 'Lab']]);
    expect(new Set(byUrl('https://all.example/hook').map((p) => p.event!.account))).toEqual(new Set(['Lab', 'Default']));
    expect(byUrl('https://other.example/hook')).toEqual([]);
    expect(round).toMatchObject({ delivered: r.sent.length, retrying: 0, failed: 0 });
    // Each delivery is signed with its own webhook's secret over the timestamp and the body.
    const d = r.sent[0]!;
    const payload = JSON.parse(d.body) as WebhookPayload;
    expect(payload).toMatchObject({ webhook: d.webhookId, smartAccount: 'Acme', id: d.deliveryId });
    expect(WEBHOOK_PAYLOAD.safeParse(payload).success).toBe(true);
    // Another round sends nothing again; the delivery log says what was sent.
    expect(await ledger.deliverWebhooks(T + 31 * DAY, r.post)).toEqual({ queued: 0, delivered: 0, retrying: 0, failed: 0 });
    const log = await ledger.webhookDeliveries({ webhook: lab.id });
    expect(log.map((l) => [l.type, l.state, l.attempts, l.lastStatus])).toEqual([['expiry-notice', 'delivered', 1, 200]]);
    expect((await ledger.listWebhooks()).find((w) => w.id === whole.id)).toMatchObject({ delivered: byUrl('https://all.example/hook').length });
    expect(await ledger.webhookDeliveries({ webhook: other.id })).toEqual([]);
    expect((await refused(ledger.webhookDeliveries({ limit: 0 }))).code).toBe('bad-count');
  });

  it.skipIf(skip)('try a failed delivery again after 1, 5, 30 minutes … and give it up after the last; a removed webhook is sent nothing', async () => {
    await open();
    const w = await ledger.addWebhook({ account: 'Lab', url: 'https://down.example/hook' }, T);
    let up = false;
    const r = recorder(() => (up ? { status: 202, error: null } : { status: 503, error: 'HTTP 503' }));
    await noticeIn(ledger, 'Lab', T + 1000);
    let now = T + 2000;
    expect(await ledger.deliverWebhooks(now, r.post)).toMatchObject({ queued: 1, retrying: 1 });
    const [first] = await ledger.webhookDeliveries({ webhook: w.id });
    expect(first).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503', nextAttemptAt: now + RETRY_AFTER_MS[0]! });
    // Not before it is due.
    expect(await ledger.deliverWebhooks(now + RETRY_AFTER_MS[0]! - 1, r.post)).toMatchObject({ retrying: 0, delivered: 0 });
    expect(r.sent).toHaveLength(1);
    for (const wait of RETRY_AFTER_MS) {
      now += wait;
      await ledger.deliverWebhooks(now, r.post);
    }
    expect(r.sent).toHaveLength(MAX_ATTEMPTS);
    // The same delivery id and body on every attempt: the receiver drops a repeat by it.
    expect(new Set(r.sent.map((d) => `${d.deliveryId}|${d.body}`)).size).toBe(1);
    const [gaveUp] = await ledger.webhookDeliveries({ webhook: w.id });
    expect(gaveUp).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: null });
    up = true;
    expect(await ledger.deliverWebhooks(now + 30 * DAY, r.post)).toMatchObject({ delivered: 0 });
    // A new event is delivered once the receiver is back; one pending when the webhook is removed is given up.
    await noticeIn(ledger, 'Lab', now + 31 * DAY);
    expect(await ledger.deliverWebhooks(now + 31 * DAY, r.post)).toMatchObject({ queued: 1, delivered: 1 });
    up = false;
    await noticeIn(ledger, 'Lab', now + 62 * DAY);
    await ledger.deliverWebhooks(now + 62 * DAY, r.post);
    expect(await ledger.removeWebhook({ id: w.id }, now + 62 * DAY + 1)).toEqual({ id: w.id, dropped: 1 });
    const sent = r.sent.length;
    await ledger.deliverWebhooks(now + 70 * DAY, r.post);
    expect(r.sent).toHaveLength(sent);
    // The delivery log of a removed webhook is still there.
    expect((await ledger.webhookDeliveries({ webhook: w.id }))[0]).toMatchObject({ state: 'failed', attempts: 1, lastError: 'the webhook was removed' });
  });

  it.skipIf(skip)('send a delivery once when two rounds run at once (one claims it)', async () => {
    await open();
    await ledger.addWebhook({ account: 'Lab', url: 'https://slow.example/hook' }, T);
    await noticeIn(ledger, 'Lab', T + 1000);
    await noticeIn(ledger, 'Default', T + 1000);
    await noticeIn(ledger, 'Lab', T + 40 * DAY);
    let release = () => {};
    const gate = new Promise<void>((done) => (release = done));
    const sent: string[] = [];
    const post: PostDelivery = async (d) => {
      sent.push(d.deliveryId);
      await gate;
      return { status: 200, error: null };
    };
    const both = Promise.all([ledger.deliverWebhooks(T + 41 * DAY, post), ledger.deliverWebhooks(T + 41 * DAY, post)]);
    await new Promise((done) => setTimeout(done, 50));
    release();
    const [x, y] = await both;
    expect(x.delivered + y.delivered).toBe(2);
    expect(sent.sort()).toEqual([...new Set(sent)].sort());
    expect(sent).toHaveLength(2);
  });

  it.skipIf(skip)('tell a change of compliance of a device registered online, with the shortfall, once per change', async () => {
    await open();
    await ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 2 }, T);
    const w = await ledger.addWebhook({ account: 'Lab', url: 'https://ops.example/hook', events: ['compliance'] }, T);
    const token = (await ledger.createToken({ account: 'Lab', server: 'https://lc.example:8443', fingerprint: 'AB:'.repeat(31) + 'AB' }, T)).token;
    const { registerInput, signedCall } = await import('./helpers/register.ts');
    const device = makeDevice('UCM', T);
    const trustedKeyIds = (await ledger.keys()).map((k) => k.id);
    const { instance } = await ledger.register(registerInput(device, token, { trustedKeyIds }), T);
    let seq = 0;
    const report = (n: number, at: number) =>
      ledger.reportUsage(signedCall(device.privateKey, instance, ++seq, 'device-usage', { usage: { UCM_Basic: n } }), { UCM_Basic: n }, at);
    expect((await report(1, T + 1)).compliance.status).toBe('Authorized');
    expect((await report(3, T + 2)).compliance.status).toBe('Out of Compliance');
    await report(4, T + 3); // still out: no new event
    expect((await report(2, T + 4)).compliance.status).toBe('Authorized');
    const r = recorder();
    await ledger.deliverWebhooks(T + 5, r.post);
    const told = r.sent.map((d) => (JSON.parse(d.body) as WebhookPayload).event!.message);
    expect(told).toEqual([
      expect.stringMatching(/No Licenses in Use → Authorized/),
      expect.stringMatching(/Authorized → Out of Compliance \(UCM_Basic: 3 in use in the pool, 2 available\)/),
      expect.stringMatching(/Out of Compliance → Authorized/),
    ]);
    expect(r.sent.every((d) => d.webhookId === w.id && d.type === 'compliance')).toBe(true);
  });
});

describe('webhooks on the server, to a real receiver', () => {
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let rounds: ReturnType<typeof webhookRounds>;
  beforeAll(async () => {
    hook = await receiver();
    s = await startServer('sqlite', T, null, { onLogged: () => rounds.kick() });
    rounds = webhookRounds(s.ledger, () => s.now);
  });
  afterAll(async () => {
    await rounds?.stop();
    await s?.stop();
    await hook?.close();
  });

  it("follow the roles: a virtual account's administrator manages their own account's, never the whole smart account's", async () => {
    const admin = await s.login('admin');
    const labAdmin = await s.login('lab-admin');
    const labUser = await s.login('lab-user');
    const whole = (await s.call(admin, 'webhook-add', { url: 'https://all.example/hook' })) as { id: string; secret: string };
    // Without an account, a virtual account's administrator's webhook is their account's.
    const own = (await s.call(labAdmin, 'webhook-add', { url: 'https://lab.example/hook' })) as { id: string; account: string };
    expect(own.account).toBe('Lab');
    expect((await refused(s.call(labAdmin, 'webhook-add', { account: 'Default', url: 'https://x.example' }))).code).toBe('forbidden');
    expect((await refused(s.call(labUser, 'webhook-add', { url: 'https://x.example' }))).code).toBe('forbidden');
    expect((await refused(s.call(labUser, 'webhook-list', {}))).code).toBe('forbidden');
    expect(((await s.call(labAdmin, 'webhook-list', {})) as { id: string }[]).map((w) => w.id)).toEqual([own.id]);
    expect(((await s.call(admin, 'webhook-list', {})) as { id: string }[]).map((w) => w.id).sort()).toEqual([whole.id, own.id].sort());
    for (const name of ['webhook-remove', 'webhook-test'] as const)
      expect((await refused(s.call(labAdmin, name, { id: whole.id }))).code, name).toBe('no-webhook');
    expect((await refused(s.call(labAdmin, 'webhook-deliveries', { webhook: whole.id }))).code).toBe('no-webhook');
    expect((await refused(s.call(labAdmin, 'webhook-deliveries', { account: 'Default' }))).code).toBe('forbidden');
    // The secret is answered once; a retry with the same key is told it was done, not given it again.
    const once = (await s.call(admin, 'webhook-add', { url: 'https://once.example/hook' }, 'same-key-123')) as { id: string; secret: string };
    expect(once.secret).toMatch(/^whsec_/);
    const retried = await refused(s.call(admin, 'webhook-add', { url: 'https://once.example/hook' }, 'same-key-123'));
    expect([retried.message, retried.hint ?? '']).not.toContain(once.secret);
    expect(retried.message).toMatch(/was done when this key was first sent/);
    expect(((await s.call(admin, 'webhook-list', {})) as unknown[]).length).toBe(3);
    await s.call(admin, 'webhook-remove', { id: once.id });
    for (const id of [whole.id, own.id]) await s.call(admin, 'webhook-remove', { id });
  });

  it('are sent, signed, after the request that logged the event; a test ping answers the status; a redirect is not followed', async () => {
    const labAdmin = await s.login('lab-admin');
    const admin = await s.login('admin');
    const added = (await s.call(labAdmin, 'webhook-add', { url: hook.url, events: ['compliance'] })) as { id: string; secret: string };
    const ping = (await s.call(labAdmin, 'webhook-test', { id: added.id })) as { delivered: boolean; status: number };
    expect(ping).toMatchObject({ delivered: true, status: 204 });
    expect(verified(added.secret, hook.got[0]!.headers, hook.got[0]!.body, s.now / 1000)).toMatchObject({ type: 'ping', event: null });
    // A device registered online in Lab goes over the pool: the report's request kicks the deliveries.
    const file = parseKeyFile(((await s.call(admin, 'key-export', {})) as { file: string }).file);
    const trusted = new Map(file.map((k) => [keyId(k.publicKey), k.publicKey]));
    const token = ((await s.call(admin, 'token-create', { account: 'Lab', server: s.url })) as { token: string }).token;
    const d = makeDevice('UCM', s.now);
    const reg = await registerDevice({
      token,
      trustedKeys: trusted,
      udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}`,
      devicePublicKey: fromBase64(d.state.deviceKey.publicKey)!,
      devicePrivateKeyPem: d.privateKey,
    });
    await deviceCall(reg.link, d.privateKey, 'device-usage', { usage: { UCM_Basic: 11 } });
    await rounds.settled();
    const told = hook.got.slice(1).map((g) => verified(added.secret, g.headers, g.body, s.now / 1000));
    expect(told.map((p) => p.event!.message)).toEqual([expect.stringMatching(/No Licenses in Use → Out of Compliance \(UCM_Basic: 11 in use/)]);
    expect(hook.got[1]!.headers).toMatchObject({ 'slr-event': 'compliance', 'slr-webhook': added.id, 'content-type': 'application/json' });
    // Tampered with, or signed with another secret, the receiver refuses it; so too a replay from long ago.
    const g = hook.got[1]!;
    expect(() => verified(added.secret, g.headers, g.body.replace('11 in use', '1 in use'), s.now / 1000)).toThrow(/bad signature/);
    expect(() => verified(`${added.secret}x`, g.headers, g.body, s.now / 1000)).toThrow(/bad signature/);
    expect(() => verified(added.secret, g.headers, g.body, s.now / 1000 + 3600)).toThrow(/too old/);
    // A receiver that redirects (somewhere License Central can reach, the receiver cannot) is not followed.
    hook.status = 302;
    hook.location = 'http://127.0.0.1:9/internal';
    const moved = (await s.call(labAdmin, 'webhook-test', { id: added.id })) as { delivered: boolean; error: string };
    expect(moved).toMatchObject({ delivered: false, status: 302, error: 'redirected (HTTP 302), not followed' });
    hook.status = 204;
    // A receiver that is not there: said in a few words, in the delivery log.
    const closed = await receiver();
    await closed.close();
    const gone = (await s.call(labAdmin, 'webhook-add', { url: closed.url })) as { id: string };
    expect(await s.call(labAdmin, 'webhook-test', { id: gone.id })).toMatchObject({ delivered: false, status: null, error: expect.stringMatching(/refused/) });
    const log = (await s.call(labAdmin, 'webhook-deliveries', {})) as { type: string; state: string; lastStatus: number | null }[];
    expect(log.map((l) => [l.type, l.state, l.lastStatus])).toEqual([
      ['ping', 'failed', null],
      ['ping', 'failed', 302],
      ['compliance', 'delivered', 204],
      ['ping', 'delivered', 204],
    ]);
  });
});

describe('webhooks from the CLI, and a served License Central sending them', () => {
  it('adds, tests, lists and removes from the CLI; `serve` sends what was logged while it was down, signed', async () => {
    const hook = await receiver();
    const home = scratch();
    const at = '2026-09-01T08:00:00Z';
    const a = (...args: string[]) => slr(home, ['authority', ...args], at);
    expect(a('init', '--account', 'Acme').status).toBe(0);
    expect(a('account', 'add', 'Lab').status).toBe(0);
    writeFileSync(join(home, 'pw.txt'), 'a long enough password\n');
    expect(a('user', 'add', 'admin', '--role', 'smart-account-admin', '--password-file', join(home, 'pw.txt')).status).toBe(0);
    const added = a('webhook', 'add', '--url', hook.url, '--account', 'Lab', '--events', 'expiry-notice', '--description', 'ops room');
    expect(added.status, added.stderr).toBe(0);
    const secret = added.stdout.trim();
    expect(secret).toMatch(/^whsec_/);
    expect(added.stderr).toMatch(/added for virtual account "Lab".*told expiry-notice/);
    const listed = a('--json', 'webhook', 'list').json<{ webhooks: { id: string; description: string }[] }>().webhooks;
    expect(listed).toMatchObject([{ description: 'ops room' }]);
    const id = listed[0]!.id;
    expect(a('webhook', 'list').stdout).not.toContain(secret);
    // A test ping from the CLI (in a process of its own: this one is the receiver).
    const tested = await slrAsync(home, ['authority', 'webhook', 'test', id], at);
    expect([tested.status, tested.stdout]).toEqual([0, expect.stringMatching(/delivered \(HTTP 204\)/)]);
    expect(verified(secret, hook.got[0]!.headers, hook.got[0]!.body, Date.parse(at) / 1000).type).toBe('ping');
    hook.status = 500;
    const failed = await slrAsync(home, ['authority', '--json', 'webhook', 'test', id], at);
    expect(failed.status).toBe(1);
    expect(failed.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'webhook-undelivered',
      message: expect.stringMatching(/HTTP 500/),
    });
    hook.status = 204;
    for (const bad of [
      ['webhook', 'remove', 'nope'],
      ['webhook', 'deliveries', '--limit', 'x'],
      ['webhook', 'add', '--url', hook.url, '--events', ','],
    ])
      expect(a(...bad).status, bad.join(' ')).toBe(2);
    expect(a('webhook', 'add', '--url', 'http://alerts.example/x').status).toBe(1);
    // An expiry notice logged while nothing serves is sent when License Central serves.
    expect(
      a('license', 'add', '--account', 'Lab', '--tag', 'UCM_Basic', '--count', '2', '--type', 'TERM', '--start', '2026-08-01', '--end', '2026-09-20').status,
    ).toBe(0);
    expect(a('notices').status).toBe(0);
    const serving = await serve({ home, listen: '127.0.0.1:0', clock: () => Date.parse(at) + 60_000 });
    try {
      await serving.webhooks.settled();
      const told = hook.got.slice(2).map((g) => verified(secret, g.headers, g.body, Date.parse(at) / 1000));
      expect(told.map((p) => [p.type, p.event!.account])).toEqual([['expiry-notice', 'Lab']]);
      expect(told[0]!.event!.message).toMatch(/TERM licenses end: 2 x UCM_Basic/);
    } finally {
      await serving.close();
    }
    const log = a('--json', 'webhook', 'deliveries', '--webhook', id).json<{ deliveries: { type: string; state: string }[] }>().deliveries;
    expect(log.map((d) => [d.type, d.state])).toEqual([
      ['expiry-notice', 'delivered'],
      ['ping', 'failed'],
      ['ping', 'delivered'],
    ]);
    expect(a('webhook', 'remove', id).stdout).toMatch(/removed/);
    expect(a('webhook', 'list').stdout).toMatch(/No webhooks/);
    await hook.close();
  });
});
