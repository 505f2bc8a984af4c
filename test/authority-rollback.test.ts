// A witness against a License Central that goes back (issue 30): every authorization code carries a signed
// checkpoint of License Central's log (shared/codes/checkpoint.ts); a device keeps the latest it has seen
// (shared/instance/witness.ts) and refuses a code from a ledger restored from an older backup, or from a copy
// that went its own way. Checked on the format, against tampering, through the CLI as an operator meets it,
// and in a model where License Central restores itself from its own backups between exchanges.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { checkpointMessage, codeMark, formatCheckpoint, parseCheckpoint, splitCheckpoint, type Checkpoint } from '../shared/codes/checkpoint.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { formatUdi } from '../shared/udi.ts';
import { makeDevice, refusal, type Device } from './helpers/world.ts';
import { reservedSides } from './helpers/sides.ts';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const MIN = 60_000;
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));
/** A ledger lost and brought back from a backup, as docs/backup-restore.md says to (the backup put in place). */
function restoreLedger(dir: string, backup: string): void {
  for (const f of ['authority.sqlite', 'authority.sqlite-wal', 'authority.sqlite-shm']) rmSync(join(dir, f), { force: true });
  copyFileSync(backup, join(dir, 'authority.sqlite'));
}

describe('the checkpoint after an authorization code', () => {
  // A DER ECDSA signature's shape: SEQUENCE { INTEGER (32 bytes), INTEGER (32 bytes) }.
  const der = new Uint8Array([0x30, 0x44, 0x02, 0x20, ...new Array<number>(32).fill(0x11), 0x02, 0x20, ...new Array<number>(32).fill(0x22)]);
  const cp: Checkpoint = {
    keyId: '0123456789abcdef',
    events: 42,
    head: 'ab'.repeat(32),
    known: ['7:0123456789ab', '40:ba9876543210'],
    confirmed: 7,
    signature: der,
  };

  it('reads back as written, is split off the code with or without white space, and binds the code', () => {
    const token = formatCheckpoint(cp);
    expect(parseCheckpoint(token)).toEqual(cp);
    for (const glue of [' ', '\n', ''])
      expect(splitCheckpoint(`<specificPLR>x</specificPLR>${glue}${token}`)).toEqual({ code: '<specificPLR>x</specificPLR>', checkpoint: token });
    expect(splitCheckpoint('<specificPLR>x</specificPLR>')).toEqual({ code: '<specificPLR>x</specificPLR>', checkpoint: null });
    // The message names the code: the same checkpoint moved to another code does not verify.
    expect(checkpointMessage(cp, 'P', '1')).not.toEqual(checkpointMessage(cp, 'P', '2'));
  });

  it.each([
    ['cut short', (t: string) => t.slice(0, -40)],
    ['events not a number', (t: string) => t.replace('.42.', '.4x.')],
    ['a leading zero', (t: string) => t.replace('.42.', '.042.')],
    ['a known code not before it', (t: string) => t.replace('40:ba98', '42:ba98')],
    ['a confirmed code not the first known', (t: string) => t.replace('.42.7.', '.42.40.')],
    ['a known code named in another way', (t: string) => t.replace('7:0123456789ab', '7:0123456789')],
    ['a short head', (t: string) => t.replace('ab'.repeat(32), 'ab'.repeat(31))],
    ['another version', (t: string) => t.replace('SLRW1', 'SLRW2')],
    ['upper-case key id', (t: string) => t.replace('0123456789abcdef', '0123456789ABCDEF')],
    ['a character outside base64url', (t: string) => `${t.slice(0, -3)}+/=`],
    ['a signature longer than its padding says', (t: string) => `${t.slice(0, -2)}AQ`],
  ])('refuses a damaged checkpoint as code-malformed: %s', (_name, damage) => {
    expect(refusal(() => parseCheckpoint(damage(formatCheckpoint(cp)))).code).toBe('code-malformed');
  });
});

describe('a License Central restored from an older backup, met by an operator', () => {
  it('is refused by a device that saw a later checkpoint, with what happened and what to do; forget accepts it, logged', () => {
    const { auth, a, d } = reservedSides('rollback', T, { reserved: 2 });
    const udi = d('show', 'license', 'udi').stdout.trim();
    const backup = join(tmp('rollback-vault'), 'lc.sqlite');
    expect(a('backup', '--out', backup).status).toBe(0);
    // After the backup, License Central issues an update, which the device installs: it has seen a later log.
    const later = a('update', '--instance', udi, '--license', 'UCM_Basic=3').stdout.trim();
    expect(later).toMatch(/<\/specificPLR> SLRW1\.[0-9a-f]{16}\.[1-9][0-9]*\.[0-9]+\.[0-9a-f]{64}\.[0-9]+:[0-9a-f]{12}\.[A-Za-z0-9_-]{96}$/);
    expect(d('license', 'smart', 'reservation', 'install', later).status).toBe(0);
    const seen = d('--json', 'show', 'license', 'status').json<{ checkpoints: { events: number }[] }>().checkpoints[0]!.events;
    expect(d('show', 'license', 'status').stdout).toMatch(new RegExp(`^License Central checkpoint: ${seen} events in its log`, 'm'));

    // The ledger is lost and brought back from the older backup; it signs a new update.
    restoreLedger(auth, backup);
    const stale = a('update', '--instance', udi, '--license', 'UCM_Basic=1').stdout.trim();
    const r = d('--json', 'license', 'smart', 'reservation', 'install', stale);
    expect(r.status).toBe(1);
    const error = r.json<{ error: { code: string; message: string; hint: string } }>().error;
    expect(error.code).toBe('authority-rolled-back');
    expect(error.message).toContain(`this device holds a code it issued at ${seen} events`);
    expect(error.hint).toContain('restore the latest backup');
    expect(d('--json', 'show', 'license', 'status').json<{ checkpoints: { events: number }[] }>().checkpoints[0]!.events).toBe(seen);
    // Not given back either: a return to a ledger that lost the reservation would free licenses twice.
    // The explicit way on: forget (logged), then the code installs and becomes the witness.
    const forget = d('license', 'smart', 'checkpoint', 'forget');
    expect(forget.status, forget.stderr).toBe(0);
    expect(d('show', 'license', 'events').stdout).toMatch(/checkpoint-forget/);
    expect(d('license', 'smart', 'reservation', 'install', stale).status).toBe(0);
    expect(d('--json', 'show', 'license', 'status').json<{ checkpoints: { events: number }[] }>().checkpoints[0]!.events).toBe(
      parseAuthorizationCode(stale).checkpoint!.events,
    );
    expect(d('license', 'smart', 'checkpoint', 'forget').status).toBe(0);
    expect(d('--json', 'license', 'smart', 'checkpoint', 'forget').json<{ error: { code: string } }>().error.code).toBe('not-allowed');
  });

  it("tells License Central's administrator, when the device's return code answers a code the ledger lost", () => {
    const { auth, a, d } = reservedSides('rollback-lc', T, { reserved: 2 });
    const udi = d('show', 'license', 'udi').stdout.trim();
    const backup = join(tmp('rollback-lc-vault'), 'lc.sqlite');
    expect(a('backup', '--out', backup).status).toBe(0);
    const later = a('update', '--instance', udi, '--license', 'UCM_Basic=1').stdout.trim();
    const confirmation = d('license', 'smart', 'reservation', 'install', later).stdout.trim();
    restoreLedger(auth, backup);
    const behind = /this ledger does not record[\s\S]*this ledger is behind\. Restore the latest backup/;
    const confirm = a('--json', 'confirm', '--instance', udi, confirmation).json<{ error: { code: string; hint: string } }>().error;
    // The confirmation code's digest names the code the device ran before this one (which the ledger has): no hint.
    expect(confirm.code).toBe('wrong-code');
    const returned = d('license', 'smart', 'reservation', 'return').stdout.trim();
    const remove = a('--json', 'remove', '--instance', udi, '--return-code', returned).json<{ error: { code: string; hint: string } }>().error;
    expect(remove.code).toBe('wrong-code');
    expect(remove.hint).toMatch(behind);
    // A code the device never made (another device's, or garbage with a digest of its own) is not taken for one.
    const other = reservedSides('rollback-lc-other', T, { reserved: 1 });
    const foreign = other
      .a('--json', 'confirm', '--instance', other.d('show', 'license', 'udi').stdout.trim(), confirmation)
      .json<{ error: { hint: string } }>();
    expect(foreign.error.hint).not.toMatch(behind);
  });

  it('refuses a code cut off from its checkpoint once one was seen, and a checkpoint moved or altered', () => {
    const { a, d } = reservedSides('rollback-cut', T, { reserved: 2 });
    const udi = d('show', 'license', 'udi').stdout.trim();
    const first = a('update', '--instance', udi, '--license', 'UCM_Basic=3').stdout.trim();
    const second = a('update', '--instance', udi, '--license', 'UCM_Basic=4').stdout.trim();
    const { code: bare, checkpoint } = splitCheckpoint(second);
    const moved = `${bare} ${splitCheckpoint(first).checkpoint}`;
    const altered = second.replace(/ SLRW1\.([0-9a-f]{16})\.([1-9][0-9]*)\./, (_m, key: string, n: string) => ` SLRW1.${key}.${Number(n) + 1}.`);
    expect(checkpoint).not.toBeNull();
    expect(d('license', 'smart', 'reservation', 'install', first).status).toBe(0);
    const errorOf = (code: string) => d('--json', 'license', 'smart', 'reservation', 'install', code).json<{ error: { code: string } }>().error.code;
    expect(errorOf(bare)).toBe('checkpoint-missing');
    expect(errorOf(moved)).toBe('untrusted');
    expect(errorOf(altered)).toBe('untrusted');
    // Wrapped across lines as a terminal or a mail client does, it is still whole.
    const wrapped = second.replace(/(.{64})/g, '$1\n  ');
    expect(d('license', 'smart', 'reservation', 'install', wrapped).status).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------- the model

interface World {
  dir: string;
  ledger: Ledger;
  readonly devices: Device[];
  /** Backups of the ledger, with the codes issued by then. */
  readonly backups: { path: string; issued: Set<string> }[];
  /** The codes the ledger as it is now has issued (its history: a restore brings the backup's back). */
  issued: Set<string>;
  /** The code each device last accepted. */
  readonly held: string[];
  now: number;
}

const act = fc.oneof(
  fc.record({ kind: fc.constant('update' as const), device: fc.nat(1), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('noise' as const) }),
  fc.record({ kind: fc.constant('backup' as const) }),
  fc.record({ kind: fc.constant('restore' as const), which: fc.nat() }),
);
type Act = typeof act extends fc.Arbitrary<infer A> ? A : never;

async function newWorld(): Promise<World> {
  const dir = tmp('rollback-model');
  const ledger = await openLedger({ dir, actor: 'model' }, true);
  await ledger.init('Model', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 20 }, T);
  const key = await ledger.exportKey();
  const devices = [0, 1].map(() => makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]));
  const held: string[] = [];
  for (const d of devices) {
    d.run({ type: 'enable' }, T);
    const request = d.run({ type: 'request' }, T).issued!.code;
    held.push((await ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 1 } }, T)).code);
    d.run({ type: 'install', code: held.at(-1)! }, T);
  }
  return { dir, ledger, devices, backups: [], issued: new Set(held), held, now: T };
}

const witnessOf = (d: Device) => d.state.witness?.[0] ?? { events: 0, head: '' };

/** One step; the promises are checked on every code a device is offered. Gives the device's refusal, if any. */
async function step(w: World, a: Act, problems: string[]): Promise<string | null> {
  w.now += MIN;
  if (a.kind === 'noise') await w.ledger.addAccount(`A${w.now}`, w.now);
  if (a.kind === 'backup') {
    const path = join(w.dir, `backup-${w.backups.length}.sqlite`);
    await w.ledger.backup(path, w.now);
    w.backups.push({ path, issued: new Set(w.issued) });
  }
  if (a.kind === 'restore' && w.backups.length) {
    await w.ledger.close();
    const backup = w.backups[a.which % w.backups.length]!;
    restoreLedger(w.dir, backup.path);
    w.issued = new Set(backup.issued);
    w.ledger = await openLedger({ dir: w.dir, actor: 'model' }, true);
  }
  if (a.kind !== 'update') return null;
  const d = w.devices[a.device]!;
  const code = (await w.ledger.update({ instance: formatUdi(d.udi), licenses: { UCM_Basic: a.count } }, w.now)).code;
  w.issued.add(code);
  const lost = !w.issued.has(w.held[a.device]!);
  const parsed = parseAuthorizationCode(code);
  const offered = parsed.checkpoint!;
  const seen = witnessOf(d);
  const holds = d.state.installed !== null;
  let refusedAs: string | null = null;
  try {
    d.run({ type: 'install', code }, w.now);
  } catch (e) {
    refusedAs = (e as { code?: string }).code ?? String(e);
  }
  // What the device must do, from what it saw and what it is offered alone (witness.ts's rule, restated).
  const expected =
    seen.events === 0
      ? null
      : offered.events === seen.events && offered.head !== seen.head
        ? 'authority-forked'
        : offered.events <= seen.events || (holds && !offered.known.includes(codeMark(seen)) && offered.confirmed <= seen.events)
          ? 'authority-rolled-back'
          : null;
  // And what the model knows: a code of a ledger that lost the device's code is never installed.
  if (refusedAs === null && lost) problems.push(`a code of a ledger that no longer records the device's code was installed`);
  if (refusedAs !== expected)
    problems.push(`a code at ${offered.events} events after ${seen.events} seen: ${refusedAs ?? 'installed'}, expected ${expected ?? 'installed'}`);
  if (refusedAs === null) w.held[a.device] = code;
  if (witnessOf(d).events < seen.events) problems.push(`the witness went back from ${seen.events} to ${witnessOf(d).events}`);
  if (refusedAs === null && witnessOf(d).events !== offered.events) problems.push('an installed code did not become the witness');
  return refusedAs;
}

describe('the model: a License Central that restores itself from its own backups', () => {
  it('never gets a code behind a device’s witness installed, and every such code is refused as rolled back', async () => {
    const refusals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(act, { minLength: 5, maxLength: 25 }), async (acts) => {
        const w = await newWorld();
        const problems: string[] = [];
        try {
          for (const a of acts) {
            const refused = await step(w, a, problems);
            if (refused) refusals.set(refused, (refusals.get(refused) ?? 0) + 1);
          }
        } finally {
          await w.ledger.close();
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: 25 },
    );
    // The runs met restored ledgers: the refusal the witness exists for happened.
    expect(refusals.get('authority-rolled-back') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
