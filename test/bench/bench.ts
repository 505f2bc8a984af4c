/**
 * `npm run bench`: speed and scale, each figure a ratio of two things measured in the same run (these
 * machines are noisy, so absolute times are only context). Writes test-results/bench.json.
 */
import { randomUUID, verify as cryptoVerify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { findEntitlement, productById } from '../../shared/catalog.ts';
import { entitlementFor, issueAuthorizationCode } from '../../shared/authority/issue.ts';
import { parseAuthorizationCode, type Entitlement } from '../../shared/codes/authorization-code.ts';
import { CODE_LENGTHS } from '../../shared/codes/device-codes.ts';
import { displayLength } from '../../shared/codes/short-code.ts';
import { CONFIRMATION_CODE, REQUEST_CODE, RETURN_CODE } from '../../shared/codes/device-codes.ts';
import { execute, type Command } from '../../shared/instance/commands.ts';
import { createInstance } from '../../shared/instance/rules.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { toBase64 } from '../../shared/bytes.ts';
import { makeUdi } from '../../shared/udi.ts';
import { authorityCrypto, compressedPublicKey, deviceCrypto, generateKeyPair, keyId, privateKeyOps } from '../../electron/platform/crypto.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { populate } from '../helpers/populate.ts';
import { createAppApi } from '../../electron/app/api.ts';
import { serverBench } from './server-bench.ts';
import { satelliteBench } from './satellite-bench.ts';
import { batchBench } from './batch-bench.ts';
import { loadFaults, printLoad } from '../load/load-faults.ts';
import { dataScaleBench } from './data-scale-bench.ts';
import { lotSizeBench } from './lot-size-bench.ts';
import { markOf, packagesOf, probeStartup, type StartupReport } from '../startup/probe.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const ucm = productById('UCM')!;
const basic = findEntitlement(ucm, 'UCM_Basic')!;
const quick = process.argv.includes('--quick');

/** Best of `rounds` timings of `fn` run `n` times, in ms per run. */
function time(n: number, fn: () => void, rounds = 5): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6 / n);
  }
  return best;
}

const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
const line = (label: string, value: string) => console.log(`${label.padEnd(58)} ${value}`);

// ------------------------------------------------------------------------------------ install verification
console.log('\nInstall verification: whole check (normalize, parse, validate, verify, apply) vs one bare parse + one verify');
{
  const authority = generateKeyPair();
  const aid = keyId(authority.publicKey);
  const acrypto = authorityCrypto(() => privateKeyOps(authority.privateKey));
  const device = generateKeyPair();
  const uuid = randomUUID();
  let state: InstanceState = createInstance({
    product: ucm,
    uuid,
    deviceKey: { publicKey: toBase64(compressedPublicKey(device.publicKey)), privateKey: { format: 'pkcs8-pem', value: device.privateKey } },
    now: T0,
  });
  const dcrypto = deviceCrypto(device.privateKey);
  const setup: Command[] = [
    { type: 'trust-add', chain: [{ id: aid, publicKey: authority.publicKey, endorsement: null }], label: 'bench' },
    { type: 'enable' },
    { type: 'request' },
  ];
  for (const c of setup) {
    state = execute(state, c, { now: T0, crypto: dcrypto }).state;
  }
  const rows: Record<string, number> = {};
  for (const n of [5, 100, 1000]) {
    const entitlements: Entitlement[] = Array.from({ length: n }, (_, i) =>
      entitlementFor(basic, 1 + (i % 7), { start: T0 + i * DAY, end: T0 + (i + 365) * DAY }),
    );
    const code = issueAuthorizationCode({ udi: makeUdi(ucm, uuid), piid: state.reservation!.piid, timestamp: T0 + 1000, entitlements, keyId: aid }, acrypto);
    const parsed = parseAuthorizationCode(code);
    const bare = new XMLParser();
    const reps = n >= 1000 ? 20 : 200;
    const whole = time(reps, () => {
      execute(state, { type: 'install', code }, { now: T0 + 2000, crypto: dcrypto });
    });
    const floor = time(reps, () => {
      bare.parse(code);
      cryptoVerify('sha256', parsed.signedBytes, { key: authority.publicKey, dsaEncoding: 'der' }, parsed.signature);
    });
    rows[n] = whole / floor;
    line(
      `  ${n} entitlements (${code.length} chars)`,
      `${(whole / floor).toFixed(2)}x the floor   (${whole.toFixed(3)} ms vs ${floor.toFixed(3)} ms; target <= 2x)`,
    );
  }
  results.installVerificationRatio = rows;
}

// ------------------------------------------------------------------------------------ authority scale
console.log('\nAuthority: operations per second with 1,000 and with 100,000 product instances in the ledger');

async function scale(instances: number, ops: number) {
  const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-bench-')), actor: 'bench' }, true);
  try {
    await ledger.init('Bench', T0);
    await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: ops * 4 }, T0);
    await populate(ledger, instances, { at: T0 });
    const key = await ledger.exportKey();
    const devices = Array.from({ length: ops }, () => {
      const pair = generateKeyPair();
      const uuid = randomUUID();
      const pub = compressedPublicKey(pair.publicKey);
      let state = createInstance({
        product: ucm,
        uuid,
        deviceKey: { publicKey: toBase64(pub), privateKey: { format: 'pkcs8-pem', value: pair.privateKey } },
        now: T0,
      });
      const crypto = deviceCrypto(pair.privateKey);
      const setup: Command[] = [
        { type: 'trust-add', chain: [{ id: key.id, publicKey: key.pem, endorsement: null }], label: 'bench' },
        { type: 'enable' },
        { type: 'request' },
      ];
      for (const c of setup) state = execute(state, c, { now: T0, crypto }).state;
      return { uuid, sn: `P:UCM,S:${uuid.slice(-5)},U:${uuid}`, request: state.lastRequest!.code, state, crypto };
    });
    const timed = async (fn: (d: (typeof devices)[number], i: number) => Promise<void>) => {
      const start = process.hrtime.bigint();
      for (const [i, d] of devices.entries()) await fn(d, i);
      return ops / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    const codes: string[] = [];
    const reserve = await timed(async (d) => {
      codes.push((await ledger.reserve({ account: 'Default', request: d.request, licenses: { UCM_Basic: 3 } }, T0 + 1000)).code);
    });
    devices.forEach((d, i) => {
      d.state = execute(d.state, { type: 'install', code: codes[i]! }, { now: T0 + 2000, crypto: d.crypto }).state;
    });
    const updates: string[] = [];
    const update = await timed(async (d) => {
      updates.push((await ledger.update({ instance: d.sn, licenses: { UCM_Basic: 2 } }, T0 + 3000)).code);
    });
    const confirmations = devices.map((d, i) => {
      const out = execute(d.state, { type: 'install', code: updates[i]! }, { now: T0 + 4000, crypto: d.crypto });
      d.state = out.state;
      return out.issued!.code;
    });
    const confirm = await timed(async (d, i) => {
      await ledger.confirm({ instance: d.sn, code: confirmations[i]! }, T0 + 5000);
    });
    const returns = devices.map((d) => execute(d.state, { type: 'return' }, { now: T0 + 6000, crypto: d.crypto }).issued!.code);
    const remove = await timed(async (d, i) => {
      await ledger.remove({ instance: d.sn, returnCode: returns[i]! }, T0 + 7000);
    });
    return { reserve, update, confirm, remove };
  } finally {
    await ledger.close();
  }
}
{
  const ops = quick ? 50 : 200;
  const small = await scale(1_000, ops);
  const large = await scale(quick ? 20_000 : 100_000, ops);
  const ratios: Record<string, number> = {};
  for (const op of ['reserve', 'update', 'confirm', 'remove'] as const) {
    ratios[op] = small[op] / large[op];
    line(`  ${op}`, `${small[op].toFixed(0)}/s vs ${large[op].toFixed(0)}/s: 1k is ${ratios[op].toFixed(2)}x the 100k figure (target <= 1.5x)`);
  }
  results.authorityScale = { opsPerSecond1k: small, opsPerSecond100k: large, ratio: ratios, instancesLarge: quick ? 20_000 : 100_000 };
}

// ------------------------------------------------------------------------------------ License Central as a server
console.log(
  `\nLicense Central as a server: operations per second through HTTPS with 1 and 10 clients vs in-process, ${quick ? '20,000' : '100,000'} instances`,
);
results.server = await serverBench(quick, line);

// ------------------------------------------------------------------------------------ satellites
console.log(`\nA satellite's round: ${quick ? '1,000' : '10,000'} reservations made on a satellite and synchronised, vs made on the parent directly`);
results.satellite = await satelliteBench(quick, line);

// ------------------------------------------------------------------------------------ many devices in one hand-off
console.log(`\nMany devices in one hand-off: ${quick ? '200' : '1,000'} devices reserved in one batch, each installing its entry of the bundle`);
results.batch = await batchBench(quick, line);

// ------------------------------------------------------------------------------------ the instances list
console.log("\nThe authority's instances list (the app's bridge call): first page and a search, with 10,000 vs 100 instances");
{
  /** Median ms of the app API's first page and of a search, through the same call the renderer makes. */
  async function listTimes(count: number) {
    const dir = mkdtempSync(join(tmpdir(), 'slr-bench-list-'));
    const ledger = await openLedger({ dir, actor: 'bench' }, true);
    await ledger.init('Bench', T0);
    await populate(ledger, count, { accounts: ['Default', 'Lab', 'Plant 2'], at: T0 });
    const sn = (await ledger.instancePage({ limit: 1, offset: Math.floor(count / 2) })).rows[0]!.sn;
    await ledger.close();
    const api = createAppApi({ dir, dialogs: { open: async () => null, save: async () => null }, clipboard: { writeText: () => undefined }, now: () => T0 });
    const time = async (fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < 21; i++) {
        const start = process.hrtime.bigint();
        await fn();
        xs.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      return xs.sort((x, y) => x - y)[10]!;
    };
    return {
      firstPage: await time(() => api.authorityInstances({ sort: 'sn', limit: 50, offset: 0 })),
      search: await time(() => api.authorityInstances({ search: sn, sort: 'sn', limit: 50, offset: 0 })),
    };
  }
  const few = await listTimes(100);
  const many = await listTimes(10_000);
  for (const k of ['firstPage', 'search'] as const) {
    line(
      `  ${k === 'firstPage' ? 'first page of 50' : 'search by SN'}`,
      `${many[k].toFixed(1)} ms vs ${few[k].toFixed(1)} ms: ${(many[k] / few[k]).toFixed(2)}x (target < 100 ms, <= 1.5x)`,
    );
  }
  results.instancesList = { ms10k: many, ms100: few };
}

// ------------------------------------------------------------------------------------ code lengths
console.log("\nCode lengths (characters, as shown) beside the seeds'");
{
  const seedCode = parseAuthorizationCode(readFileSync(join(root, 'test/fixtures/seeds/003-install-command.txt'), 'utf8')).text;
  const a = generateKeyPair();
  const ours = issueAuthorizationCode(
    {
      udi: makeUdi(ucm, 'e53fc968-0253-4d61-a355-ba908a6cc920'),
      piid: randomUUID(),
      timestamp: T0,
      entitlements: ['UCM_CUWL', 'UCM_EnhancedPlus', 'UCM_Essential', 'UCM_Basic', 'UCM_Enhanced'].map((s) => entitlementFor(findEntitlement(ucm, s)!, 5)),
      keyId: keyId(a.publicKey),
    },
    authorityCrypto(() => privateKeyOps(a.privateKey)),
  );
  const lengths = {
    request: { ours: displayLength(REQUEST_CODE), significant: CODE_LENGTHS.request, seeds: 'the seeds show no request code' },
    confirmation: { ours: displayLength(CONFIRMATION_CODE), significant: CODE_LENGTHS.confirmation, seeds: 8 },
    return: { ours: displayLength(RETURN_CODE), significant: CODE_LENGTHS.return, seeds: 51 },
    authorization5: { ours: ours.length, seeds: seedCode.length },
  };
  line('  request code', `${lengths.request.ours} (${lengths.request.significant} without dashes; target <= 135)`);
  line('  confirmation code', `${lengths.confirmation.ours} (${lengths.confirmation.significant} without the dash) vs the seeds' 8 hex digits`);
  line('  return code', `${lengths.return.ours} (${lengths.return.significant} without dashes) vs the seeds' ~51`);
  line('  authorization code, 5 entitlements', `${lengths.authorization5.ours} vs the seeds' UCM example ${lengths.authorization5.seeds}`);
  results.codeLengths = lengths;
}

// ------------------------------------------------------------------------------------ start-up and bundle
console.log('\nStart-up and bundle');
{
  const home = mkdtempSync(join(tmpdir(), 'slr-bench-cli-'));
  const cli = join(root, 'electron/cli/slr.mjs');
  const run = (args: string[]) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const runEnv = (args: string[], env: NodeJS.ProcessEnv) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(r.stderr);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  run([cli, '--home', home, 'init', '--pid', 'UCM']);
  // Interleaved, so that a noisy neighbour slows all of them alike; the median of 21 each.
  const samples = { bare: [] as number[], status: [] as number[], version: [] as number[], source: [] as number[] };
  for (let i = 0; i < 21; i++) {
    samples.bare.push(run(['-e', '0']));
    samples.status.push(run([cli, '--home', home, 'show', 'license', 'status']));
    samples.version.push(run([cli, '--version']));
    if (i % 3 === 0) samples.source.push(runEnv([cli, '--home', home, 'show', 'license', 'status'], { SLR_FROM_SOURCE: '1' }));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const [bare, status, version, source] = [samples.bare, samples.status, samples.version, samples.source].map(median) as [number, number, number, number];
  line('  slr show license status vs node -e 0', `${(status / bare).toFixed(1)}x   (${status.toFixed(0)} ms vs ${bare.toFixed(0)} ms; target <= 2x)`);
  line('  slr --version (loading the bundle alone)', `${(version / bare).toFixed(1)}x`);
  line('  slr show license status from the sources', `${(source / bare).toFixed(1)}x   (SLR_FROM_SOURCE=1, without the bundle)`);
  const assets = join(root, 'out/renderer/assets');
  let raw = 0;
  let gz = 0;
  try {
    for (const f of readdirSync(assets)) {
      const b = readFileSync(join(assets, f));
      raw += b.length;
      gz += gzipSync(b, { level: 9 }).length;
    }
    line('  renderer bundle (js + css)', `${(raw / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzip (${(raw / gz).toFixed(1)}x compression)`);
  } catch {
    line('  renderer bundle', 'not built (npm run build)');
  }
  // The CLI's bundles (out/cli/modules.json, written by the build): the device's and what `slr authority` adds.
  const chunks = JSON.parse(readFileSync(join(root, 'out/cli/modules.json'), 'utf8')) as Record<string, { bytes: number }>;
  const deviceBytes = chunks['slr.js']!.bytes;
  const authorityBytes = Object.entries(chunks).reduce((n, [file, c]) => (file === 'slr.js' ? n : n + c.bytes), 0);
  line(
    '  CLI bundle: the device side (slr.js) vs the chunks of slr authority',
    `${(deviceBytes / 1024).toFixed(0)} KiB vs ${(authorityBytes / 1024).toFixed(0)} KiB`,
  );
  results.cliBundle = { deviceBytes, authorityBytes };
  results.startup = { cliStatusMs: status, nodeBareMs: bare, ratio: status / bare, versionRatio: version / bare, sourceRatio: source / bare };
  results.rendererBundle = { bytes: raw, gzipBytes: gz };

  // The app's main process to its first window (README "Start-up budget"): out/main/main.js in plain Node
  // against a working fake of Electron (test/startup/), interleaved with bare Node starts, the median of 11.
  const app: number[] = [];
  const appBare: number[] = [];
  let last: StartupReport | undefined;
  for (let i = 0; i < 11; i++) {
    appBare.push(run(['-e', '0']));
    last = probeStartup();
    app.push(last.wallMs);
  }
  const [appMs, appBareMs] = [median(app), median(appBare)];
  const window = markOf(last!, 'first-window-loading');
  line(
    '  app main process to its first window vs node -e 0',
    `${(appMs / appBareMs).toFixed(1)}x   (${appMs.toFixed(0)} ms vs ${appBareMs.toFixed(0)} ms; budget <= 9x)`,
  );
  line(
    '  ... of which loading modules (main evaluated)',
    `${markOf(last!, 'main-evaluated').toFixed(0)} ms of ${window.toFixed(0)} ms; ${last!.modules.length} modules, ${packagesOf(last!.modules).size} packages`,
  );
  results.appStartup = { ms: appMs, nodeBareMs: appBareMs, ratio: appMs / appBareMs, modules: last!.modules.length, packages: packagesOf(last!.modules).size };
}

// ------------------------------------------------------------------------------------ a lot that holds much
console.log("\nWrites on a lot that holds many reservations: conservation's check does not add up the lot");
results.lotSize = await lotSizeBench(quick, process.env.SLR_SKIP_POSTGRES !== '1', line);

// ------------------------------------------------------------------------------------ scale of data on PostgreSQL
if (process.env.SLR_SKIP_POSTGRES === '1') console.log('\nScale of data: skipped (SLR_SKIP_POSTGRES=1)');
else {
  console.log(`\nScale of data on PostgreSQL: list, search and an instance's view with ${quick ? '100,000' : '1,000,000'} instances vs 10,000`);
  results.dataScale = await dataScaleBench(quick, line);
}

// ------------------------------------------------------------------------------------ load and faults
if (process.env.SLR_SKIP_POSTGRES === '1') console.log('\nLoad and faults: skipped (SLR_SKIP_POSTGRES=1)');
else {
  const seconds = quick ? 20 : 60;
  console.log(`\nLoad and faults: 100 clients for ${seconds} s against two servers on one PostgreSQL; one server killed, the database's connections cut`);
  const report = await loadFaults(seconds, 100);
  printLoad(report, line);
  results.loadFaults = report;
  if (report.problems.length) process.exitCode = 1;
}

mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nFigures written to test-results/bench.json');
