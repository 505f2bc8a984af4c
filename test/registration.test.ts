// Smart Licensing online over loopback, License Central's side and the device's side of the wire (the
// device's state machine and CLI come next): register with a token, report usage against the account's pool,
// out of compliance and back, renew, deregister, register again elsewhere; and the faults: a token revoked,
// used up, expired, tampered or naming another server, a replayed or forged call, a reserved device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../shared/bytes.ts';
import { findAnyEntitlement } from '../shared/catalog.ts';
import { parseToken } from '../shared/registration/token.ts';
import { keyId } from '../electron/platform/crypto.ts';
import { parseKeyFile } from '../shared/codes/key-file.ts';
import { checkIdentity, deviceCall, registerDevice, type DeviceLink } from '../electron/device/registration-client.ts';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { makeDevice, type Device } from './helpers/world.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { PASSWORD, startServer, type Engine, type TestServer } from './helpers/server.ts';
import { slrAsync } from './helpers/cli.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refused } from './helpers/refused.ts';
import { registerInput } from './helpers/register.ts';

const T = Date.UTC(2026, 7, 3, 9);
const DAY = 86_400_000;
const BASIC_TAG = findAnyEntitlement('UCM_Basic')!.def.tag;

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

const cli = (home: string, args: string[], now: string) => slrAsync(home, args, now);

describe.each([
  { engine: 'sqlite' as Engine, skip: false },
  { engine: 'postgres' as Engine, skip: SKIP_POSTGRES },
])('Smart Licensing online on $engine', ({ engine, skip }) => {
  let s: TestServer;
  let admin: RemoteSession;
  let trusted: Map<string, string>;
  beforeAll(async () => {
    if (skip) return;
    s = await startServer(engine, T, postgres);
    admin = await s.login('admin');
    const file = parseKeyFile(((await s.call(admin, 'key-export', {})) as { file: string }).file);
    trusted = new Map(file.map((k) => [keyId(k.publicKey), k.publicKey]));
  });
  afterAll(async () => s?.stop());

  const token = async (account: string, extra: object = {}) =>
    ((await s.call(admin, 'token-create', { account, server: s.url, ...extra })) as { token: string; id: string }).token;
  const device = () => makeDevice('UCM', s.now);
  const udiOf = (d: Device) => `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}`;
  const d0key = (d: Device) => d.state.deviceKey.publicKey;
  const register = (d: Device, t: string, force = false) =>
    registerDevice({
      token: t,
      trustedKeys: trusted,
      udi: udiOf(d),
      devicePublicKey: fromBase64(d.state.deviceKey.publicKey)!,
      devicePrivateKeyPem: d.privateKey,
      hostname: 'cucm-lab',
      force,
    });

  it.skipIf(skip)('registers, reports usage against the pool, goes out of compliance and back, renews and deregisters', async () => {
    const t = await token('Lab', { maxUses: 5 });
    const a = device();
    const b = device();
    const ra = await register(a, t);
    expect(ra.registration).toMatchObject({ account: 'Lab', exportControlled: false, registrationExpires: T + 365 * DAY, authorizationExpires: T + 90 * DAY });
    // The device checks the identity it is answered: for its UDI and key, signed by a key it trusts.
    const pub = d0key(a);
    expect(() => checkIdentity(ra.registration, udiOf(a), pub, trusted)).not.toThrow();
    for (const wrong of [
      { ...ra.registration, instance: '999' },
      { ...ra.registration, registrationExpires: ra.registration.registrationExpires + 1 },
      { ...ra.registration, identity: { ...ra.registration.identity, keyId: 'ffffffffffffffff' } },
    ])
      expect(() => checkIdentity(wrong, udiOf(a), pub, trusted)).toThrow(/not carry this device's identity/);
    expect(() => checkIdentity(ra.registration, udiOf(b), pub, trusted)).toThrow(/not carry this device's identity/);
    let linkA: DeviceLink = ra.link;
    let linkB: DeviceLink = (await register(b, t)).link;
    const usage = async (d: Device, link: DeviceLink, n: number) => {
      const r = await deviceCall(link, d.privateKey, 'device-usage', { usage: { UCM_Basic: n } });
      return { link: r.link, status: (r.value as { compliance: { status: string } }).compliance.status };
    };
    let r = await usage(a, linkA, 4);
    linkA = r.link;
    expect(r.status).toBe('Authorized');
    // The pool of Lab has 10: together 11, out of compliance, for both.
    r = await usage(b, linkB, 7);
    linkB = r.link;
    expect(r.status).toBe('Out of Compliance');
    const renewed = await deviceCall(linkA, a.privateKey, 'device-renew-auth', {});
    linkA = renewed.link;
    expect((renewed.value as { compliance: { status: string; shortfalls: unknown[] } }).compliance).toMatchObject({
      status: 'Out of Compliance',
      shortfalls: [{ inUse: 11, available: 10 }],
    });
    // More licenses for Lab: back in compliance.
    await s.call(admin, 'license-add', { account: 'Lab', tag: 'UCM_Basic', count: 5 });
    s.now += 30 * DAY;
    admin = await s.login('admin');
    const back = await deviceCall(linkA, a.privateKey, 'device-renew-auth', {});
    linkA = back.link;
    expect((back.value as { authorizationExpires: number; compliance: { status: string } }).compliance.status).toBe('Authorized');
    expect((back.value as { authorizationExpires: number }).authorizationExpires).toBe(s.now + 90 * DAY);
    const renewId = await deviceCall(linkA, a.privateKey, 'device-renew-id', {});
    expect(renewId.link.seq).toBe(linkA.seq + 1);
    expect(renewId.value).toMatchObject({ registrationExpires: s.now + 365 * DAY, compliance: { status: expect.any(String) } });
    const listed = (await s.call(admin, 'registered-instances', { account: 'Lab' })) as { udi: string; usage: Record<string, number>; compliance: string }[];
    expect(listed.map((x) => [x.udi, x.usage, x.compliance])).toEqual([
      [udiOf(a), { UCM_Basic: 4 }, 'Authorized'],
      [udiOf(b), { UCM_Basic: 7 }, 'Authorized'],
    ]);
    // The same through a CLI logged in to the server.
    const home = mkdtempSync(join(tmpdir(), 'slr-registered-cli-'));
    const pw = join(home, 'pw.txt');
    writeFileSync(pw, `${PASSWORD}\n`);
    const when = new Date(s.now).toISOString();
    const login = await cli(home, ['authority', 'login', '--server', s.url, '--user', 'lab-user', '--password-file', pw, '--fingerprint', s.fingerprint], when);
    expect(login.status, login.stderr).toBe(0);
    const shown = (await cli(home, ['authority', 'show', 'registered'], when)).stdout;
    expect(shown).toContain(udiOf(a));
    expect(shown).toMatch(/UCM_Basic=7\s+Authorized/);
    // The number `registered remove` takes, the last usage report and export control, as the issue lists them.
    expect(shown).toMatch(/Instance\s+Virtual Account\s+UDI\s+.*Last Usage Report\s+Export-Controlled/);
    expect(shown).toMatch(
      new RegExp(`^${linkA.instance}\\s+Lab\\s+${udiOf(a).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s.*not allowed\\s+UCM_Basic=4\\s+Authorized`, 'm'),
    );
    // A recorded call sent again, and a call signed by another key, are refused and change nothing.
    const replay = await refused(deviceCall({ ...linkB, seq: linkB.seq - 1 }, b.privateKey, 'device-usage', { usage: { UCM_Basic: 100 } }));
    expect(replay.code).toBe('replayed-code');
    const forged = await refused(deviceCall(linkB, a.privateKey, 'device-usage', { usage: { UCM_Basic: 100 } }));
    expect(forged.code).toBe('unauthorized');
    expect(((await s.call(admin, 'registered-instances', { account: 'Lab' })) as { usage: Record<string, number> }[])[1]!.usage).toEqual({ UCM_Basic: 7 });
    // Deregistered, its usage leaves the pool and its key may no longer call.
    linkB = (await deviceCall(linkB, b.privateKey, 'device-deregister', {})).link;
    expect((await refused(deviceCall(linkB, b.privateKey, 'device-renew-auth', {}))).code).toBe('unauthorized');
    expect(((await s.call(admin, 'registered-instances', { account: 'Lab' })) as unknown[]).length).toBe(1);
    // Registered again with a token of another virtual account (force): it moves there, without its usage.
    expect((await refused(register(a, await token('Default')))).code).toBe('instance-exists');
    const moved = await register(a, await token('Default'), true);
    expect(moved.registration.account).toBe('Default');
    expect(((await s.call(admin, 'registered-instances', { account: 'Lab' })) as unknown[]).length).toBe(0);
    expect(((await s.call(admin, 'registered-instances', { account: 'Default' })) as { usage: object }[])[0]!.usage).toEqual({});
    // Removed at License Central: its identity is revoked, its calls refused; removing it again is refused.
    await s.call(admin, 'registered-remove', { instance: moved.registration.instance });
    expect(((await s.call(admin, 'registered-instances', { account: 'Default' })) as unknown[]).length).toBe(0);
    expect((await refused(deviceCall(moved.link, a.privateKey, 'device-renew-auth', {}))).code).toBe('unauthorized');
    expect((await refused(s.call(admin, 'registered-remove', { instance: moved.registration.instance }))).code).toBe('no-instance');
    const labUser = await s.login('lab-user');
    expect((await refused(s.call(labUser, 'registered-remove', { instance: linkA.instance }))).code).toBe('forbidden');
  });

  it.skipIf(skip)('refuses a takeover: another key with any token, with force, is refused and logged; only the device moves itself', async () => {
    admin = await s.login('admin');
    const victim = device();
    const thief = device();
    const { link } = await register(victim, await token('Lab'));
    const events = async () => ((await s.call(admin, 'events', {})) as { type: string }[]).filter((e) => e.type === 'register-refused').length;
    const logged = await events();
    /** The thief registers the victim's UDI with force, claiming `claimed`'s public key, signing with its own. */
    const claim = async (account: string, claimed: Device) =>
      refused(
        registerDevice({
          token: await token(account),
          trustedKeys: trusted,
          udi: udiOf(victim),
          devicePublicKey: fromBase64(claimed.state.deviceKey.publicKey)!,
          devicePrivateKeyPem: thief.privateKey,
          force: true,
        }),
      );
    // A token holder of another virtual account, and one of the same, claim the victim's UDI with their own key.
    for (const account of ['Default', 'Lab']) {
      const e = await claim(account, thief);
      expect(e.code).toBe('registration-owned');
      expect(e.message).toMatch(/only that device, or an administrator of "Lab", can end or replace its registration/);
    }
    expect(await events()).toBe(logged + 2);
    // Claiming the victim's own key without holding it: the proof does not verify, nothing is registered.
    const claimed = await claim('Default', victim);
    expect(claimed.code).toBe('unauthorized');
    // The victim is still registered where it was and calls on.
    const rows = (await s.call(admin, 'registered-instances', {})) as { udi: string; account: string }[];
    expect(rows.filter((r) => r.udi === udiOf(victim)).map((r) => r.account)).toEqual(['Lab']);
    await deviceCall(link, victim.privateKey, 'device-renew-auth', {});
  });

  it.skipIf(skip)('refuses a token revoked, used up, expired, tampered or naming another server, and a reserved device', async () => {
    admin = await s.login('admin');
    const once = await token('Lab', { maxUses: 1 });
    const lost = device();
    const first = await register(lost, once);
    // Its answer lost on the way, the device asks again: the same registration, the token not used again.
    const again = await register(lost, once);
    expect(again.registration).toMatchObject({ instance: first.registration.instance, registeredAt: first.registration.registeredAt });
    expect(
      ((await s.call(admin, 'token-list', { account: 'Lab' })) as { id: string; uses: number }[]).find((x) => x.id === parseToken(once).payload.id)?.uses,
    ).toBe(1);
    expect((await refused(register(device(), once))).code).toBe('token-used-up');
    // Once it called with its registration, a second registration with the token is no repeat.
    await deviceCall(first.link, lost.privateKey, 'device-renew-auth', {});
    expect((await refused(register(lost, once))).code).toBe('token-used-up');
    const revoked = await token('Lab');
    await s.call(admin, 'token-revoke', { id: parseToken(revoked).payload.id });
    expect((await refused(register(device(), revoked))).code).toBe('token-revoked');
    const short = await token('Lab', { expiresDays: 1 });
    s.now += 2 * DAY;
    admin = await s.login('admin');
    expect((await refused(register(device(), short))).code).toBe('token-expired');
    // Tampered: the device refuses it before it sends anything.
    const [prefix, body, signature] = (await token('Lab')).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = `${prefix}.${Buffer.from(JSON.stringify({ ...payload, account: 'Default' })).toString('base64url')}.${signature}`;
    expect((await refused(register(device(), altered))).code).toBe('token-tampered');
    // A genuine token naming another certificate than the one this address presents (someone in between, or
    // the wrong server): the device sends nothing, and the token is not used.
    const otherFingerprint = 'AB:'.repeat(31) + 'AB';
    const before = ((await s.call(admin, 'token-list', { account: 'Lab' })) as { uses: number }[]).reduce((n, x) => n + x.uses, 0);
    const stranger = device();
    const wrongServer = await refused(
      registerDevice({
        token: (await s.ledger.createToken({ account: 'Lab', server: s.url, fingerprint: otherFingerprint }, s.now)).token,
        trustedKeys: trusted,
        udi: udiOf(stranger),
        devicePublicKey: fromBase64(stranger.state.deviceKey.publicKey)!,
        devicePrivateKeyPem: stranger.privateKey,
      }),
    );
    expect(wrongServer.code).toBe('server-untrusted');
    expect(((await s.call(admin, 'token-list', { account: 'Lab' })) as { uses: number }[]).reduce((n, x) => n + x.uses, 0)).toBe(before);
    // A device with licenses reserved by SLR registers only after it gave them back.
    const key = [...trusted.entries()][0]!;
    const reservedDevice = makeDevice('UCM', s.now, [{ id: key[0], publicKey: key[1] }]);
    reservedDevice.run({ type: 'enable' }, s.now);
    await s.call(admin, 'reserve', { account: 'Lab', request: reservedDevice.run({ type: 'request' }, s.now).issued!.code, licenses: { UCM_Basic: 1 } });
    const excluded = await refused(register(reservedDevice, await token('Lab')));
    expect(excluded.code).toBe('instance-exists');
    expect(excluded.message).toMatch(/registration and reservation exclude each other/);
  });

  it.skipIf(skip)('keeps one truth per UDI: no reservation for a device registered online, no license twice in one report', async () => {
    admin = await s.login('admin');
    const key = [...trusted.entries()][0]!;
    const d = makeDevice('UCM', s.now, [{ id: key[0], publicKey: key[1] }]);
    const { link } = await register(d, await token('Lab'));
    // Its own (or a copied) state made a request code: License Central refuses to reserve for a registered UDI.
    d.run({ type: 'enable' }, s.now);
    const request = d.run({ type: 'request' }, s.now).issued!.code;
    const e = await refused(s.call(admin, 'reserve', { account: 'Default', request, licenses: { UCM_Basic: 1 } }));
    expect(e).toMatchObject({ code: 'instance-exists', message: expect.stringMatching(/registered online .*exclude each other/) });
    const twice = await refused(deviceCall(link, d.privateKey, 'device-usage', { usage: { UCM_Basic: 1, [BASIC_TAG]: 2 } }));
    expect(twice).toMatchObject({ code: 'bad-license', message: expect.stringMatching(/a second time in one report/) });
  });

  it.skipIf(skip)('signs the identity with a key the device trusts after a key was added, and refuses before using the token when it trusts none', async () => {
    admin = await s.login('admin');
    // (Last in this block: the tokens made after it are signed by the new key.)
    const t = await token('Lab');
    await s.call(admin, 'key-add', {});
    const d = device();
    const r = await register(d, t);
    expect([...trusted.keys()]).toContain(r.registration.identity.keyId);
    const uses = async () =>
      ((await s.call(admin, 'token-list', { account: 'Lab' })) as { id: string; uses: number }[]).find((x) => x.id === parseToken(t).payload.id)!.uses;
    const before = await uses();
    const input = registerInput(device(), t, { trustedKeyIds: ['0123456789abcdef'] });
    const e = await refused(s.ledger.register(input, s.now));
    expect(e.code).toBe('untrusted');
    expect(await uses()).toBe(before);
  });
});
