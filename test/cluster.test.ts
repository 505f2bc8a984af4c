// Clusters (issue 27), with the real `slr`: a publisher serving on loopback (`slr cluster serve`, its own
// process) and subscribers that join it once with a one-time code, License Central's server over loopback for
// the publisher's registration. The subscriber's usage counts in the publisher's report; the publisher's
// commands are refused on a subscriber (exit 2, naming the publisher); a join code used twice, a node
// pretending to be another, the publisher down past 90 days (the injected clock) and a subscriber's clock set back.
import { unusedPort } from './helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR, slrAsync, type CliResult } from './helpers/cli.ts';
import { createServer as createHttpServer } from 'node:http';
import { compressedPublicKey, generateKeyPair, privateKeyOps } from '../electron/platform/crypto.ts';
import { toBase64 } from '../shared/bytes.ts';
import { welcomeMessage } from '../shared/instance/cluster.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';

const T = Date.UTC(2026, 11, 1, 8);
const DAY = 86_400_000;
let s: TestServer;
let keyFile: string;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  keyFile = await keyFileOf(s);
});
afterAll(async () => {
  for (const p of servers) p.kill('SIGTERM');
  await s?.stop();
});

const ok = (r: CliResult) => {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
async function node(pid = 'CUC') {
  const home = mkdtempSync(join(tmpdir(), 'slr-cluster-node-'));
  const run = (...args: string[]) => slrAsync(home, args, new Date(s.now).toISOString());
  ok(await run('init', '--pid', pid, '--trust', keyFile));
  return { home, run };
}
async function freePort(): Promise<number> {
  const port = await unusedPort();
  return port;
}
/** `slr cluster serve` on the publisher's home, in a process of its own; resolves when it listens. */
async function serve(home: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SLR, '--home', home, 'cluster', 'serve', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, SLR_FROM_SOURCE: '1', SLR_NOW: new Date(s.now).toISOString() },
  });
  servers.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`cluster serve exited ${code}`)));
  });
  return child;
}
const stop = (child: ChildProcess) => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM')));

describe('a cluster: one exchange for the whole cluster', () => {
  it('joins once, counts the subscriber in the publisher report, refuses the publisher commands on the subscriber, and stops provisioning after 90 days without the publisher', async () => {
    const pub = await node();
    const sub = await node();
    const code = ok(await pub.run('cluster', 'add-node', 'sub-1')).stdout.trim();
    expect(code).toMatch(/^SLRJ1-sub-1-[0-9a-f]{32}-[0-9a-f]{16}$/);
    const port = await freePort();
    let service = await serve(pub.home, port);
    const url = `http://127.0.0.1:${port}`;
    expect(ok(await sub.run('cluster', 'join', '--publisher', url, '--code', code)).stdout).toMatch(/Joined the cluster of P:CUC,S:/);
    // The same code again (from another node): refused, once used.
    const other = await node();
    const again = await other.run('cluster', 'join', '--publisher', url, '--code', code);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/not one this publisher issued, was used already, or expired/);

    // The publisher registers; the subscriber's usage counts in its report.
    const token = (await s.ledger.createToken({ account: 'Lab', server: s.url, fingerprint: s.fingerprint }, s.now)).token;
    ok(await pub.run('license', 'usage', 'CUC_BasicMessaging', '2'));
    ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '3'));
    ok(await sub.run('cluster', 'sync'));
    ok(await pub.run('license', 'smart', 'register', 'idtoken', token));
    const reg = (await s.ledger.registeredInstances(s.now, 'Lab')).find((r) => r.udi.startsWith('P:CUC'))!;
    expect(reg.usage).toEqual({ CUC_BasicMessaging: 5 });
    // License Central shows the cluster as one instance with its nodes.
    expect(reg.nodes).toEqual(['sub-1']);
    const shown = ok(await slrAsync(s.home, ['authority', 'show', 'registered', '--csv'], new Date(s.now).toISOString())).stdout;
    expect(shown.split(/\r?\n/)[0]).toMatch(/,Export Keys,Cluster Nodes$/);
    expect(shown).toMatch(/,sub-1\r?\n/);
    // The subscriber shows the publisher's status as of the last contact.
    ok(await sub.run('cluster', 'sync'));
    // Its state put back from a copy (its sync number behind the publisher's): the next sync resynchronises.
    const saved = readFileSync(join(sub.home, 'product-instance.json'));
    ok(await sub.run('cluster', 'sync'));
    writeFileSync(join(sub.home, 'product-instance.json'), saved);
    ok(await sub.run('cluster', 'sync'));
    expect(ok(await sub.run('show', 'license', 'status')).stdout).toMatch(
      /Cluster: subscriber "sub-1" of P:CUC,.*the licensing status as of then: Registered, /,
    );
    expect(ok(await pub.run('show', 'cluster')).stdout).toMatch(/sub-1\s+subscriber/);
    // The publisher's service reports a subscriber's new usage to License Central by itself, at its sync.
    ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '6'));
    ok(await sub.run('cluster', 'sync'));
    const usageAtLc = async () => (await s.ledger.registeredInstances(s.now, 'Lab')).find((r) => r.udi.startsWith('P:CUC'))!.usage;
    await expect.poll(usageAtLc, { timeout: 15_000 }).toEqual({ CUC_BasicMessaging: 8 });
    ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '3'));
    ok(await sub.run('cluster', 'sync'));
    await expect.poll(usageAtLc, { timeout: 15_000 }).toEqual({ CUC_BasicMessaging: 5 });

    // Only the publisher registers, renews, deregisters, reserves: exit 2, naming it.
    for (const words of [
      ['license', 'smart', 'register', 'idtoken', token],
      ['license', 'smart', 'renew', 'auth'],
      ['license', 'smart', 'reservation', 'enable'],
    ]) {
      const r = await sub.run(...words);
      expect(r.status, words.join(' ')).toBe(2);
      expect(r.stderr).toContain(`runs on the publisher only (${url})`);
    }

    // The publisher down: the subscriber works on, says so; past 90 days new users are refused, with an alarm before.
    await stop(service);
    s.now += 30 * DAY;
    const down = ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '4'));
    expect(down.stderr).toMatch(/the publisher was not reached/);
    s.now += 40 * DAY;
    const warned = (await sub.run('show', 'alarms', '--json')).json<{ alarms: { name: string; clearedAt: number | null }[] }>();
    expect(warned.alarms).toEqual([expect.objectContaining({ name: 'ClusterPublisherUnreachable', clearedAt: null })]);
    s.now += 25 * DAY;
    const refused = await sub.run('license', 'usage', 'CUC_BasicMessaging', '5');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/more than 90 days: new users are not provisioned/);
    ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '1')); // fewer is always allowed
    // A clock set back on the subscriber gains nothing: the latest time it saw counts.
    const back = await slrAsync(sub.home, ['license', 'usage', 'CUC_BasicMessaging', '5'], new Date(s.now - 50 * DAY).toISOString());
    expect(back.status).toBe(1);
    // The publisher back: one sync, and provisioning again; the alarm clears.
    service = await serve(pub.home, port);
    ok(await sub.run('cluster', 'sync'));
    ok(await sub.run('license', 'usage', 'CUC_BasicMessaging', '5'));
    expect((await sub.run('show', 'alarms', '--json')).json<{ active: number }>().active).toBe(0);
    await stop(service);
  });

  it('refuses a node that passes for another (its key is not the one pinned), and a service that is not the publisher the code names', async () => {
    const pub = await node('UCM');
    const sub = await node('UCM');
    const code = ok(await pub.run('cluster', 'add-node', 'sub-a')).stdout.trim();
    const port = await freePort();
    const service = await serve(pub.home, port);
    const url = `http://127.0.0.1:${port}`;
    // Someone between them, who read the code, answers the join with a key of their own (and signs with it):
    // the code names the publisher's key, so the subscriber keeps nothing.
    const intruder = generateKeyPair();
    const intruderKey = toBase64(compressedPublicKey(intruder.publicKey));
    const fake = createHttpServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { name: string; publicKey: string };
        const signature = toBase64(privateKeyOps(intruder.privateKey).sign(welcomeMessage(body.name, body.publicKey, 'P:UCM,S:00000,U:x')));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ publisherKey: intruderKey, publisherUdi: 'P:UCM,S:00000,U:x', signature }));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const wrong = await sub.run('cluster', 'join', '--publisher', `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, '--code', code);
    fake.close();
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/is not the publisher the join code names/);
    expect(ok(await sub.run('show', 'cluster')).stdout).toBe('Standalone: not in a cluster.\n');
    ok(await sub.run('cluster', 'join', '--publisher', url, '--code', code));
    // Another instance claiming to be sub-a (its own key): its sync is refused, and nothing changes at the publisher.
    const impostor = await node('UCM');
    const forged = await slrAsync(impostor.home, ['cluster', 'sync'], new Date(s.now).toISOString());
    expect(forged.status).toBe(1); // not a subscriber: it cannot even ask
    const r = await fetch(`${url}/cluster/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sub-a', seq: 99, body: JSON.stringify({ usage: { x: 1 } }), signature: 'AAAA' }),
    });
    expect(r.status).toBe(401);
    ok(await sub.run('cluster', 'sync'));
    await stop(service);
  });

  it('lets a subscriber leave (the publisher told) and the publisher remove one: their usage no longer counts; a forged leave changes nothing', async () => {
    const pub = await node();
    const [one, two] = [await node(), await node()];
    const codes = [ok(await pub.run('cluster', 'add-node', 'sub-1')).stdout.trim(), ok(await pub.run('cluster', 'add-node', 'sub-2')).stdout.trim()];
    const port = await freePort();
    const service = await serve(pub.home, port);
    const url = `http://127.0.0.1:${port}`;
    for (const [i, n] of [one, two].entries()) {
      ok(await n.run('cluster', 'join', '--publisher', url, '--code', codes[i]!));
      ok(await n.run('license', 'usage', 'CUC_BasicMessaging', String(2 + i)));
      ok(await n.run('cluster', 'sync'));
    }
    const nodes = async () =>
      (await pub.run('--json', 'show', 'cluster')).json<{ cluster: { nodes: { name: string }[] } | null }>().cluster?.nodes.map((n) => n.name);
    expect(await nodes()).toEqual(['sub-1', 'sub-2']);
    // A leave for sub-2 not signed by its key: refused, nothing changes.
    const forged = await fetch(`${url}/cluster/leave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sub-2', seq: 99, signature: 'AAAA' }),
    });
    expect(forged.status).toBe(401);
    expect(await nodes()).toEqual(['sub-1', 'sub-2']);

    expect(ok(await one.run('cluster', 'leave')).stdout).toBe('Left the cluster: standalone now.\n');
    expect(ok(await one.run('show', 'cluster')).stdout).toBe('Standalone: not in a cluster.\n');
    expect(await nodes()).toEqual(['sub-2']);
    expect((await one.run('cluster', 'sync')).status).toBe(1);
    expect(ok(await pub.run('show', 'license', 'events')).stdout).toMatch(/cluster-leave\s.*Node "sub-1" left the cluster/);

    const nobody = await pub.run('cluster', 'remove-node', 'nobody');
    expect([nobody.status, nobody.stderr]).toEqual([1, expect.stringMatching(/No node "nobody" is in this cluster[\s\S]*Nodes: sub-2/)]);
    expect((await pub.run('cluster', 'remove-node')).status).toBe(2);
    expect((await two.run('cluster', 'leave', '--now')).status).toBe(2);
    expect(ok(await pub.run('cluster', 'remove-node', 'sub-2')).stdout).toMatch(/Node "sub-2" removed from the cluster/);
    expect(ok(await pub.run('show', 'cluster')).stdout).toBe('Standalone: not in a cluster.\n');
    // The removed node: its syncs are refused; it leaves only with --force (the publisher no longer knows it).
    expect((await two.run('cluster', 'sync')).status).toBe(1);
    const stay = await two.run('cluster', 'leave');
    expect([stay.status, stay.stderr]).toEqual([1, expect.stringMatching(/Still in the cluster\.[\s\S]*slr cluster leave --force/)]);
    const gone = ok(await two.run('cluster', 'leave', '--force'));
    expect(gone.stderr).toMatch(/WARNING: the publisher \(http:\/\/127\.0\.0\.1:\d+\) was not told/);
    expect(ok(await two.run('show', 'cluster')).stdout).toBe('Standalone: not in a cluster.\n');
    await stop(service);
  });
});
