// Crash safety: the CLI is killed (SIGKILL) at random points during install, return, reserve, update and
// remove, a few hundred times. After each kill both stores open, pass their invariants (a verified installed
// code or none; conservation in the ledger) and hold exactly the state before or the state after the
// command, never a mix; and the return code of a cut-short return is never lost.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { instanceService } from '../electron/device/instance-service.ts';
import { openLedger } from '../electron/authority/ledger.ts';
import { execute } from '../shared/instance/commands.ts';
import { deviceCrypto } from '../electron/platform/crypto.ts';
import { SLR } from './helpers/cli.ts';
import { checkInvariants, rawDb } from './helpers/ledger-audit.ts';
import { scaled } from './helpers/time-scale.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-crash-');

const NOW = '2026-03-01T10:00:00Z';
const RUNS_PER_OPERATION = Number(process.env.SLR_CRASH_RUNS ?? 40);
const env = { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: NOW };

function cli(home: string, args: string[]): string {
  const r = spawnSync(process.execPath, [SLR, '--home', home, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`slr ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const issuedCode = (out: string) => (JSON.parse(out) as { issued: { code: string } }).issued.code;
const fresh = (template: string) => {
  const dir = scratch();
  cpSync(template, dir, { recursive: true });
  return dir;
};

/** Runs the CLI and kills it after `delayMs` (or lets it finish); resolves when it is gone. */
function runAndKill(home: string, args: string[], delayMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SLR, '--home', home, ...args], { env, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** How long the command takes when two run at once, as they do below (median of `pairs` pairs). */
async function durationMs(template: string, args: string[], pairs = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const start = performance.now();
    await Promise.all([0, 1].map(() => runAndKill(fresh(template), args, 60_000)));
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const deviceState = (home: string) => JSON.parse(readFileSync(join(home, 'product-instance.json'), 'utf8')) as Record<string, unknown>;

async function ledgerSummary(home: string) {
  const ledger = await openLedger({ dir: home, actor: 'check' });
  try {
    const problems = await checkInvariants(ledger);
    const now = Date.parse(NOW);
    return {
      problems,
      summary: JSON.stringify({
        licenses: await ledger.licenses(now),
        instances: (await ledger.instances(undefined, true)).map(({ sn, state, reserved, inTransition, account }) => ({
          sn,
          state,
          reserved,
          inTransition,
          account,
        })),
        codes: (rawDb(ledger).prepare('SELECT count(*) AS n FROM codes').get() as { n: number }).n,
      }),
    };
  } finally {
    await ledger.close();
  }
}

interface Scenario {
  readonly name: string;
  readonly side: 'device' | 'authority';
  readonly template: string;
  readonly args: string[];
}

describe('crash safety', () => {
  const scenarios: Scenario[] = [];
  beforeAll(() => {
    const root = scratch();
    const auth = join(root, 'authority');
    const dev = join(root, 'device');
    const other = join(root, 'other-device');
    cli(auth, ['authority', 'init', '--account', 'Crash']);
    cli(auth, ['authority', 'key', 'export', '--out', join(root, 'lc.pem')]);
    cli(auth, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '20']);
    for (const d of [dev, other]) {
      cli(d, ['init', '--pid', 'UCM']);
      cli(d, ['license', 'trust', 'add', join(root, 'lc.pem')]);
      cli(d, ['license', 'smart', 'reservation', 'enable']);
    }
    const request = issuedCode(cli(dev, ['--json', 'license', 'smart', 'reservation', 'request']));
    const otherRequest = issuedCode(cli(other, ['--json', 'license', 'smart', 'reservation', 'request']));
    const authBeforeReserve = fresh(auth);
    const sn = /S:([0-9a-f]{5})/.exec(cli(dev, ['show', 'license', 'udi']))![1]!;
    cli(auth, ['authority', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=5', '--out', join(root, 'code.txt')]);
    const devBeforeInstall = fresh(dev);
    cli(dev, ['license', 'smart', 'reservation', 'install-file', join(root, 'code.txt')]);
    const devInstalled = fresh(dev);
    const returnCode = issuedCode(cli(fresh(dev), ['--json', 'license', 'smart', 'reservation', 'return']));
    writeFileSync(join(root, 'return.txt'), returnCode);
    scenarios.push(
      { name: 'install', side: 'device', template: devBeforeInstall, args: ['license', 'smart', 'reservation', 'install-file', join(root, 'code.txt')] },
      { name: 'return', side: 'device', template: devInstalled, args: ['license', 'smart', 'reservation', 'return'] },
      {
        name: 'reserve',
        side: 'authority',
        template: authBeforeReserve,
        args: ['authority', 'reserve', '--account', 'Default', '--request', otherRequest, '--license', 'UCM_Basic=3'],
      },
      { name: 'update', side: 'authority', template: fresh(auth), args: ['authority', 'update', '--instance', sn, '--license', 'UCM_Basic=2'] },
      {
        name: 'remove',
        side: 'authority',
        template: fresh(auth),
        args: ['authority', 'remove', '--instance', sn, '--return-code', `@${join(root, 'return.txt')}`],
      },
    );
  }, scaled(120_000));

  it(`keeps every store whole: before or after, never a mix (${RUNS_PER_OPERATION} kills per operation)`, { timeout: scaled(600_000) }, async () => {
    const tally: Record<string, { before: number; after: number }> = {};
    for (const s of scenarios) {
      const reference = fresh(s.template);
      cli(reference, s.args);
      const before = s.side === 'device' ? JSON.stringify(deviceState(s.template)) : (await ledgerSummary(s.template)).summary;
      const after = s.side === 'device' ? JSON.stringify(deviceState(reference)) : (await ledgerSummary(reference)).summary;
      expect(after).not.toBe(before);
      // How long a run takes now: measured again before every other batch (the median of the last three), since the
      // load of the machine, other test files included, changes while the kills run.
      const recent = [await durationMs(s.template, s.args)];
      tally[s.name] = { before: 0, after: 0 };
      // Kill points spread over the run (from a fifth of it: a process killed earlier has not read anything) and
      // a little past it, denser near its end, where the writes happen.
      const points = Array.from({ length: RUNS_PER_OPERATION }, (_, i) => 0.2 + 1.1 * Math.sqrt((i + Math.random()) / RUNS_PER_OPERATION));
      for (let i = 0; i < points.length; i += 2) {
        if (i > 0 && i % 4 === 0) recent.push(await durationMs(s.template, s.args, 1));
        const last = recent.slice(-3).sort((a, b) => a - b);
        const full = last[Math.floor(last.length / 2)]!;
        const batch = points.slice(i, i + 2).map((point) => ({ delay: full * point, dir: fresh(s.template) }));
        await Promise.all(batch.map((b) => runAndKill(b.dir, s.args, b.delay)));
        for (const b of batch) {
          if (s.side === 'device') {
            const service = instanceService({ dir: b.dir });
            const state = service.load(); // parses, validates and re-verifies the installed code
            const now = JSON.stringify(deviceState(b.dir));
            expect([before, after], `${s.name} killed at ${b.delay.toFixed(0)} ms left a mix`).toContain(now);
            tally[s.name]![now === after ? 'after' : 'before']++;
            if (s.name === 'return') {
              // The return code is never lost: shown again after the return, or made again (the same) before it.
              const expected = (JSON.parse(after) as { lastReturn: { code: string } }).lastReturn.code;
              const code =
                now === after
                  ? state.lastReturn!.code
                  : execute(state, { type: 'return' }, { now: Date.parse(NOW), crypto: deviceCrypto((state.deviceKey.privateKey as { value: string }).value) })
                      .issued!.code;
              expect(code).toBe(expected);
            }
          } else {
            const { problems, summary } = await ledgerSummary(b.dir);
            expect(problems).toEqual([]);
            expect([before, after], `${s.name} killed at ${b.delay.toFixed(0)} ms left a mix`).toContain(summary);
            tally[s.name]![summary === after ? 'after' : 'before']++;
          }
        }
      }
    }
    console.log(`crash safety: ${JSON.stringify(tally)}`);
    for (const s of scenarios) expect(tally[s.name]!.before + tally[s.name]!.after).toBe(RUNS_PER_OPERATION);
    // The kills landed on both sides of the commit (otherwise this proved little).
    const totals = Object.values(tally).reduce((t, x) => ({ before: t.before + x.before, after: t.after + x.after }), { before: 0, after: 0 });
    expect(totals.before).toBeGreaterThan(RUNS_PER_OPERATION);
    expect(totals.after).toBeGreaterThan(RUNS_PER_OPERATION);
  });
});
