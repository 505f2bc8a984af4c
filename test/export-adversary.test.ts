// Export control online under faults (issue 27): a product instance and License Central's server over loopback,
// between them a gateway that passes, loses the request, or lets the request through and loses the answer.
// fast-check drives any interleaving of export request, return, cancel, other commands (which make the
// automatic retries that are due) and the clock moving on, each under a gateway mode of its own. After every step License
// Central never counts an export license twice (one grant per feature and instance, the pool's blocked figure
// what holdings, transitions and grants add up to); once the line is good again and the device has talked to
// License Central, both sides agree on which keys the device holds, and nothing is left pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { slrAsync } from './helpers/cli.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';
import { startLossyGateway, type LossyGateway, type Loss } from './helpers/lossy-gateway.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 10, 1, 8);
const FEATURE = 'UCM_Export_Restricted_Authorization_Key';
const MIN = 60_000;

let s: TestServer;
let admin: RemoteSession;
let gateway: LossyGateway;
let keyFile: string;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  admin = await s.login('admin');
  keyFile = await keyFileOf(s);
  await s.call(admin, 'export-control', { allowed: true, reason: 'export licence EL-7 on file' });
  await s.call(admin, 'license-add', { account: 'Lab', tag: 'UCM_Export_Key', count: 3 });
  gateway = await startLossyGateway(s.url);
});
/** As License Central's administrator, logged in at the server's time (the clock moves in this test). */
const asAdmin: TestServer['call'] = async (_session, name, body) => s.call(await s.login('admin'), name, body);
afterAll(async () => {
  await gateway?.stop();
  await s?.stop();
});

/** One step: what the operator does, under which line, and how long after the last. */
interface Step {
  readonly action: 'request' | 'return' | 'cancel' | 'status';
  readonly line: Loss;
  readonly minutes: number;
}
const step: fc.Arbitrary<Step> = fc.record({
  action: fc.constantFrom('request', 'return', 'cancel', 'status'),
  line: fc.constantFrom<Loss>('pass', 'lose-request', 'lose-answer'),
  minutes: fc.integer({ min: 0, max: 150 }),
});

interface Registered {
  udi: string;
  exportKeys: string[];
}

describe('export control online under lost requests and answers', () => {
  it('never counts an export license twice, and both sides agree once the line is good again', { timeout: scaled(240_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 6 }), async (steps) => {
        gateway.mode = 'pass';
        const home = mkdtempSync(join(tmpdir(), 'slr-export-adv-device-'));
        const run = (...args: string[]) => slrAsync(home, args, new Date(s.now).toISOString());
        expect((await run('init', '--pid', 'UCM', '--trust', keyFile)).status).toBe(0);
        const token = ((await asAdmin(admin, 'token-create', { account: 'Lab', server: s.url, exportControlled: true })) as { token: string }).token;
        expect((await run('license', 'smart', 'register', 'idtoken', token)).status).toBe(0);
        expect((await run('license', 'smart', 'transport', 'gateway', gateway.url)).status).toBe(0);
        const udi = (await run('show', 'license', 'udi')).stdout.trim();
        const atCentral = async () =>
          ((await asAdmin(admin, 'registered-instances', { account: 'Lab' })) as Registered[]).find((r) => r.udi === udi)?.exportKeys ?? [];
        const onDevice = async () =>
          (await run('show', 'license', 'status', '--json')).json<{ online: { exportKeys?: { feature: string }[]; exportPending?: unknown } | null }>().online;
        for (const st of steps) {
          gateway.mode = st.line;
          s.now += st.minutes * MIN;
          if (st.action === 'status') await run('show', 'license', 'status');
          else if (st.action === 'cancel') await run('license', 'smart', 'export', 'cancel');
          else {
            const r = await run('license', 'smart', 'export', st.action, 'local', FEATURE);
            expect(r.status, r.stderr).not.toBe(70);
          }
          // License Central: at most one grant for the feature, and the pool adds up.
          expect((await atCentral()).filter((f) => f === FEATURE).length).toBeLessThanOrEqual(1);
          expect(await checkInvariants(s.ledger)).toEqual([]);
        }
        // The line good again, the back-off over: the next command makes the retry, the usage report settles the rest.
        gateway.mode = 'pass';
        s.now += 2 * 60 * MIN;
        await run('show', 'license', 'status');
        expect((await run('license', 'smart', 'usage', 'report')).status).toBe(0);
        const device = await onDevice();
        expect(device?.exportPending ?? null).toBeNull();
        expect((device?.exportKeys ?? []).map((k) => k.feature)).toEqual(await atCentral());
        // Leave the pool as found: the device deregisters, its keys return with it.
        expect((await run('license', 'smart', 'deregister')).status).toBe(0);
        expect(await atCentral()).toEqual([]);
      }),
      { numRuns: 10, seed: 27, endOnFailure: true },
    );
    // Each kind of fault happened.
    expect(gateway.seen['lose-request']).toBeGreaterThan(0);
    expect(gateway.seen['lose-answer']).toBeGreaterThan(0);
  });
});
